namespace UserDisk.Scsi;

/// <summary>
/// The changeable mode parameters of a logical unit, shared by all I_T nexuses (SPC-5 mode parameters are
/// per logical unit here; a change raises MODE PARAMETERS CHANGED for the other nexuses).
/// </summary>
public sealed class ModeParameters
{
    private volatile bool _writeCacheEnabled;
    private volatile bool _descriptorSense;
    private volatile bool _softwareWriteProtect;
    private volatile bool _taskAbortedStatus;

    internal ModeParameters(bool writeCacheEnabled, bool descriptorSense)
    {
        _writeCacheEnabled = writeCacheEnabled;
        _descriptorSense = descriptorSense;
        DefaultWriteCacheEnabled = writeCacheEnabled;
        DefaultDescriptorSense = descriptorSense;
    }

    /// <summary>Caching page WCE: writes may complete from a volatile cache; SYNCHRONIZE CACHE makes them durable.</summary>
    public bool WriteCacheEnabled { get => _writeCacheEnabled; internal set => _writeCacheEnabled = value; }

    /// <summary>Control page D_SENSE: sense data in descriptor format.</summary>
    public bool DescriptorSense { get => _descriptorSense; internal set => _descriptorSense = value; }

    /// <summary>Control page SWP: the medium is write protected by software.</summary>
    public bool SoftwareWriteProtect { get => _softwareWriteProtect; internal set => _softwareWriteProtect = value; }

    /// <summary>Control page TAS: tasks aborted by another nexus's action end with TASK ABORTED status.</summary>
    public bool TaskAbortedStatus { get => _taskAbortedStatus; internal set => _taskAbortedStatus = value; }

    internal bool DefaultWriteCacheEnabled { get; }

    internal bool DefaultDescriptorSense { get; }
}
