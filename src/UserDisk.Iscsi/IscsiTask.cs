using System.Buffers;
using UserDisk.Scsi;

namespace UserDisk.Iscsi;

/// <summary>
/// One SCSI command of a connection: the engine's <see cref="ScsiCommand"/>, its data buffer and the Data-Out/R2T
/// progress. Pooled per connection; the buffer comes from the shared array pool, so a steady stream of commands
/// allocates nothing.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "Pooled for the connection's lifetime; a CancellationTokenSource without timers holds no unmanaged resource.")]
internal sealed class IscsiTask
{
    private CancellationTokenSource _cancellation = new();
    private TaskCompletionSource? _finished;

    public ScsiCommand Command { get; } = new();

    public uint InitiatorTaskTag { get; set; }

    public ulong LunField { get; set; }

    public LogicalUnit? Unit { get; set; }

    public uint CmdSn { get; set; }

    /// <summary>When the command (with its data) was ready to run, from <see cref="System.Diagnostics.Stopwatch"/>.</summary>
    public long StartedAt { get; set; }

    public byte[] Buffer { get; private set; } = [];

    public int ExpectedLength { get; set; }

    public bool IsWrite { get; set; }

    public bool IsRead { get; set; }

    /// <summary>Data-out bytes received so far (they arrive in order: DataPDUInOrder=Yes).</summary>
    public int Received { get; set; }

    /// <summary>Unsolicited data may still arrive (InitialR2T=No and the first burst is not over).</summary>
    public bool InUnsolicitedBurst { get; set; }

    public uint TargetTransferTag { get; set; } = Bhs.ReservedTag;

    /// <summary>End of the current R2T's range (buffer offset).</summary>
    public int BurstEnd { get; set; }

    public uint R2TSn { get; set; }

    /// <summary>The DataSN the next Data-Out of the current sequence must carry (it restarts at 0 per R2T).</summary>
    public uint ExpectedDataSn { get; set; }

    public bool Executing { get; set; }

    /// <summary>Bytes of the session's buffer budget this task holds.</summary>
    public int BufferReserved { get; set; }

    public bool Aborted { get; set; }

    /// <summary>Aborted by another I_T nexus's action (CLEAR TASK SET, LUN RESET, PREEMPT AND ABORT): SAM-5 then
    /// answers TASK ABORTED when the unit's TAS bit is set, or raises COMMANDS CLEARED BY ANOTHER INITIATOR.</summary>
    public bool AbortedByAnotherNexus { get; set; }

    public CancellationToken CancellationToken => _cancellation.Token;

    public void RentBuffer(int length)
    {
        Buffer = length == 0 ? [] : ArrayPool<byte>.Shared.Rent(length);
        ExpectedLength = length;
    }

    public void Abort()
    {
        Aborted = true;
        _cancellation.Cancel();
    }

    /// <summary>A task that completes when the command has finished (for task management to wait on).</summary>
    public Task WhenFinished()
    {
        lock (this)
        {
            if (!Executing)
            {
                return Task.CompletedTask;
            }

            _finished ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _finished.Task;
        }
    }

    public void MarkFinished()
    {
        TaskCompletionSource? waiter;
        lock (this)
        {
            Executing = false;
            waiter = _finished;
            _finished = null;
        }

        waiter?.TrySetResult();
    }

    public void Reset()
    {
        if (Buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(Buffer);
        }

        Buffer = [];
        Command.Reset();
        Unit = null;
        Received = 0;
        InUnsolicitedBurst = false;
        TargetTransferTag = Bhs.ReservedTag;
        BurstEnd = 0;
        R2TSn = 0;
        ExpectedDataSn = 0;
        Executing = false;
        Aborted = false;
        AbortedByAnotherNexus = false;
        BufferReserved = 0;
        StartedAt = 0;
        IsWrite = false;
        IsRead = false;
        if (!_cancellation.TryReset())
        {
            _cancellation.Dispose();
            _cancellation = new CancellationTokenSource();
        }
    }
}
