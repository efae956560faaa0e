namespace UserDisk.Scsi;

/// <summary>
/// Counters of one logical unit, bumped with Interlocked on the data path and read when metrics are scraped.
/// </summary>
public sealed class LogicalUnitCounters
{
    private readonly long[] _checkConditionsBySenseKey = new long[16];
    private long _readCommands;
    private long _writeCommands;
    private long _otherCommands;
    private long _bytesRead;
    private long _bytesWritten;
    private long _backstoreErrors;

    public long ReadCommands => Volatile.Read(ref _readCommands);

    public long WriteCommands => Volatile.Read(ref _writeCommands);

    public long OtherCommands => Volatile.Read(ref _otherCommands);

    public long BytesRead => Volatile.Read(ref _bytesRead);

    public long BytesWritten => Volatile.Read(ref _bytesWritten);

    /// <summary>Backstore failures of any kind (each also counted by the sense key it produced).</summary>
    public long BackstoreErrors => Volatile.Read(ref _backstoreErrors);

    public long CheckConditions(SenseKey key) => Volatile.Read(ref _checkConditionsBySenseKey[(int)key & 0xF]);

    internal void Read(int bytes)
    {
        Interlocked.Increment(ref _readCommands);
        Interlocked.Add(ref _bytesRead, bytes);
    }

    internal void Write(int bytes)
    {
        Interlocked.Increment(ref _writeCommands);
        Interlocked.Add(ref _bytesWritten, bytes);
    }

    internal void Other() => Interlocked.Increment(ref _otherCommands);

    internal void CheckCondition(SenseKey key) => Interlocked.Increment(ref _checkConditionsBySenseKey[(int)key & 0xF]);

    internal void BackstoreError() => Interlocked.Increment(ref _backstoreErrors);
}
