using System.Runtime.CompilerServices;
using UserDisk.Scsi;
using UserDisk.Scst.Interop;

namespace UserDisk.Scst;

/// <summary>
/// One EXEC in the handler: the engine command and what its reply needs. Pooled per device, so a command that
/// completes at once costs no allocation; one that waits (a slow backstore) comes back through the device's
/// completion queue, and the reply is sent by whichever worker drains it.
/// </summary>
internal sealed class ScstCommand : IDisposable
{
    private readonly ScstUserDevice _device;
    private readonly Action _onCompleted;
    private CancellationTokenSource _cancellation = new();
    private ConfiguredValueTaskAwaitable.ConfiguredValueTaskAwaiter _awaiter;

    public ScstCommand(ScstUserDevice device)
    {
        _device = device;
        _onCompleted = OnCompleted;
    }

    public ScsiCommand Scsi { get; } = new();

    /// <summary>cmd_h of the EXEC, echoed in the reply.</summary>
    public uint Handle { get; set; }

    /// <summary>subcode of the EXEC, echoed in the reply.</summary>
    public uint Subcode { get; set; }

    public ScstDataDirection Direction { get; set; }

    /// <summary>A buffer this handler mapped for a data-in EXEC that arrived with pbuf = 0 (§8.6).</summary>
    public ScstBuffer? ExecBuffer { get; set; }

    public ulong SessionHandle { get; set; }

    public CancellationToken Token => _cancellation.Token;

    /// <summary>A task management function aborts the command: the engine stops waiting for it where it can.</summary>
    public void Cancel()
    {
        try
        {
            _cancellation.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>Ready for the next EXEC.</summary>
    public void Reset()
    {
        Scsi.Reset();
        ExecBuffer = null;
        Handle = 0;
        Subcode = 0;
        SessionHandle = 0;
        if (!_cancellation.TryReset())
        {
            _cancellation.Dispose();
            _cancellation = new CancellationTokenSource();
        }
    }

    public void Dispose() => _cancellation.Dispose();

    /// <summary>The engine did not finish at once: queue this command for a worker when it does.</summary>
    public void CompleteLater(ValueTask pending)
    {
        _awaiter = pending.ConfigureAwait(false).GetAwaiter();
        _awaiter.UnsafeOnCompleted(_onCompleted);
    }

    private void OnCompleted()
    {
        var awaiter = _awaiter;
        _awaiter = default;
        try
        {
            awaiter.GetResult();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The engine turns every failure into sense; reaching here is a bug, reported like one.
            Scsi.CompleteWithoutExecution(ScsiStatus.Busy);
            _device.ReportUnexpected(e);
        }

        _device.EnqueueCompletion(this);
    }
}
