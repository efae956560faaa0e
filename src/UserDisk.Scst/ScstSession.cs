using UserDisk.Scsi;

namespace UserDisk.Scst;

/// <summary>One I_T_L nexus SCST attached to the device (ATTACH_SESS, §6.4), with the engine's nexus for it.</summary>
public sealed class ScstSession
{
    internal ScstSession(ulong handle, ulong lun, bool readOnly, string initiatorName, string targetName, ItNexus nexus)
    {
        Handle = handle;
        Lun = lun;
        ReadOnly = readOnly;
        InitiatorName = initiatorName;
        TargetName = targetName;
        Nexus = nexus;
    }

    /// <summary>The kernel's opaque sess_h; reused after DETACH.</summary>
    public ulong Handle { get; }

    /// <summary>The LUN number of this device in the session.</summary>
    public ulong Lun { get; }

    /// <summary>The LUN was added read_only=1; the core refuses medium writes itself (§13.1).</summary>
    public bool ReadOnly { get; }

    public string InitiatorName { get; }

    public string TargetName { get; }

    public ItNexus Nexus { get; }

    public override string ToString() => $"{InitiatorName} -> {TargetName} LUN {Lun} (sess_h 0x{Handle:x})";
}
