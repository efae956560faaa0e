using UserDisk.Scsi;

namespace UserDisk.Iscsi;

/// <summary>
/// A logged-in session (one connection: MaxConnections=1). Holds the command numbering window (RFC 7143 4.2.2.1)
/// and the I_T nexus its commands carry.
/// </summary>
internal sealed class IscsiSession
{
    /// <summary>Commands the session may have in flight; the window advertised through MaxCmdSN.</summary>
    public const int QueueDepth = 128;

    private uint _expCmdSn;
    private int _inFlight;
    private long _bufferBytes;

    public IscsiSession(string initiatorName, ulong isid, ushort tsih, IscsiTarget? target, ItNexus? nexus, uint firstCmdSn)
    {
        InitiatorName = initiatorName;
        Isid = isid;
        Tsih = tsih;
        Target = target;
        Nexus = nexus;
        _expCmdSn = firstCmdSn;
    }

    public string InitiatorName { get; }

    public ulong Isid { get; }

    public ushort Tsih { get; }

    /// <summary>Null for a discovery session.</summary>
    public IscsiTarget? Target { get; }

    public ItNexus? Nexus { get; }

    public bool IsDiscovery => Target is null;

    public uint ExpCmdSn => Volatile.Read(ref _expCmdSn);

    /// <summary>ExpCmdSN - 1 + free slots: the window shrinks while commands are in flight, so a slow backstore
    /// throttles the initiator instead of queueing without bound.</summary>
    public uint MaxCmdSn => unchecked(ExpCmdSn - 1 + (uint)Math.Max(0, QueueDepth - Volatile.Read(ref _inFlight)));

    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>
    /// Admits a non-immediate command numbered <paramref name="cmdSn"/>. Returns false for one outside the window,
    /// which RFC 7143 4.2.2.1 says to discard silently.
    /// </summary>
    public bool TryAdmit(uint cmdSn)
    {
        var exp = ExpCmdSn;
        if (cmdSn != exp)
        {
            return false;
        }

        if (Bhs.SerialLess(MaxCmdSn, cmdSn))
        {
            return false;
        }

        Volatile.Write(ref _expCmdSn, unchecked(exp + 1));
        return true;
    }

    /// <summary>Takes <paramref name="bytes"/> from the session's data buffer budget; false when it would exceed it.</summary>
    public bool TryReserveBuffer(int bytes, long budget)
    {
        if (Interlocked.Add(ref _bufferBytes, bytes) <= budget)
        {
            return true;
        }

        Interlocked.Add(ref _bufferBytes, -bytes);
        return false;
    }

    public void ReleaseBuffer(int bytes) => Interlocked.Add(ref _bufferBytes, -bytes);

    public void TaskStarted() => Interlocked.Increment(ref _inFlight);

    public void TaskEnded() => Interlocked.Decrement(ref _inFlight);
}
