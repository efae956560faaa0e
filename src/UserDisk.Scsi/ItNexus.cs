namespace UserDisk.Scsi;

/// <summary>
/// An I_T nexus: one initiator port talking to one target port (SAM-5 4.7). Front ends create one per
/// session and pass it with every command; the engine keys unit attentions and reservations on it by reference.
/// </summary>
public sealed class ItNexus
{
    private static long s_nextId;

    public ItNexus(string initiatorPortName, string targetPortName, ushort relativeTargetPortId = 1)
    {
        ArgumentException.ThrowIfNullOrEmpty(initiatorPortName);
        ArgumentException.ThrowIfNullOrEmpty(targetPortName);
        InitiatorPortName = initiatorPortName;
        TargetPortName = targetPortName;
        RelativeTargetPortId = relativeTargetPortId;
        Id = Interlocked.Increment(ref s_nextId);
    }

    /// <summary>The initiator port's name, e.g. "iqn.1993-08.org.debian:01:abc,i,0x23d000000001" for iSCSI.</summary>
    public string InitiatorPortName { get; }

    /// <summary>The target port's name, e.g. "iqn.2026-11.io.userdisk:disk1,t,0x0001".</summary>
    public string TargetPortName { get; }

    public ushort RelativeTargetPortId { get; }

    /// <summary>A process-unique number for logs.</summary>
    public long Id { get; }

    public override string ToString() => $"{InitiatorPortName} -> {TargetPortName}";
}
