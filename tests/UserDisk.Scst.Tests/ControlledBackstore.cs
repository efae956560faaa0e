using UserDisk.Storage;

namespace UserDisk.Scst.Tests;

/// <summary>
/// A memory backstore that behaves like a remote one when asked: reads wait a random delay (so they finish out of
/// order, as S3 ranged GETs do), or wait at a gate the test opens, and the length can grow.
/// </summary>
internal sealed class ControlledBackstore : IBackstore
{
    private readonly MemoryBackstore _inner;
    private TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _length;
    private int _waiting;

    public ControlledBackstore(string name, long length, int blockSize = 512)
    {
        _inner = new MemoryBackstore(name, 1L << 30, blockSize);
        _length = length;
        _gate.SetResult();
    }

    /// <summary>Reads wait a random 1..MaxDelay ms.</summary>
    public int MaxDelayMilliseconds { get; set; }

    /// <summary>Reads waiting at the gate now.</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    public void CloseGate() => _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void OpenGate() => _gate.TrySetResult();

    public void Grow(long length) => Volatile.Write(ref _length, length);

    public long Length => Volatile.Read(ref _length);

    public int BlockSize => _inner.BlockSize;

    public bool IsReadOnly => false;

    public BackstoreIdentity Identity => _inner.Identity;

    public bool SupportsUnmap => _inner.SupportsUnmap;

    public bool UnmappedReadsZero => _inner.UnmappedReadsZero;

    public ValueTask ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        var gate = _gate.Task;
        if (gate.IsCompleted && MaxDelayMilliseconds == 0)
        {
            return _inner.ReadAsync(offset, destination, cancellationToken);
        }

        return SlowReadAsync(gate, offset, destination, cancellationToken);
    }

    private async ValueTask SlowReadAsync(Task gate, long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _waiting);
        try
        {
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (MaxDelayMilliseconds > 0)
            {
                await Task.Delay(Random.Shared.Next(1, MaxDelayMilliseconds + 1), cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }

        await _inner.ReadAsync(offset, destination, cancellationToken).ConfigureAwait(false);
    }

    public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> source, bool forceUnitAccess, CancellationToken cancellationToken = default) =>
        _inner.WriteAsync(offset, source, forceUnitAccess, cancellationToken);

    public ValueTask FlushAsync(long offset, long length, CancellationToken cancellationToken = default) => _inner.FlushAsync(offset, length, cancellationToken);

    public ValueTask UnmapAsync(long offset, long length, CancellationToken cancellationToken = default) => _inner.UnmapAsync(offset, length, cancellationToken);

    public ValueTask<AllocationExtent> GetAllocationAsync(long offset, long maxLength, CancellationToken cancellationToken = default) =>
        _inner.GetAllocationAsync(offset, maxLength, cancellationToken);

    public void Dispose() => _inner.Dispose();
}
