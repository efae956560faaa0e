namespace UserDisk.Storage;

/// <summary>
/// A store with nothing behind it, for benchmarks of everything above the backstore: reads return zeros, writes
/// and unmaps are discarded, and every range is reported unmapped (so LBPRZ and GET LBA STATUS stay consistent
/// with the zeros that reads return).
/// </summary>
public sealed class NullBackstore : IBackstore
{
    private readonly long _length;
    private readonly int _blockSize;
    private readonly string _name;
    private volatile bool _disposed;

    /// <param name="name">Names the store; the identity is derived from "null:" + name.</param>
    /// <param name="length">Size in bytes, a positive multiple of <paramref name="blockSize"/>.</param>
    /// <param name="blockSize">512, 1024, 2048 or 4096.</param>
    public NullBackstore(string name, long length, int blockSize = 512)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        BackstoreChecks.ValidateBlockSize(blockSize, nameof(blockSize));
        BackstoreChecks.ValidateLength(length, blockSize, nameof(length));
        _length = length;
        _blockSize = blockSize;
        _name = name;
        Identity = BackstoreIdentity.FromString("null:" + name);
    }

    public long Length => _length;

    public int BlockSize => _blockSize;

    public bool IsReadOnly => false;

    public BackstoreIdentity Identity { get; }

    public bool SupportsUnmap => true;

    public bool UnmappedReadsZero => true;

    public ValueTask ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            BackstoreChecks.CheckRange(offset, destination.Length, _length);
            destination.Span.Clear();
            return ValueTask.CompletedTask;
        }
        catch (Exception ex)
        {
            return ValueTask.FromException(ex);
        }
    }

    public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> source, bool forceUnitAccess, CancellationToken cancellationToken = default) =>
        CheckedNoOp(offset, source.Length, cancellationToken);

    public ValueTask FlushAsync(long offset, long length, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            BackstoreChecks.CheckFlushRange(offset, length, _length);
            return ValueTask.CompletedTask;
        }
        catch (Exception ex)
        {
            return ValueTask.FromException(ex);
        }
    }

    public ValueTask UnmapAsync(long offset, long length, CancellationToken cancellationToken = default) =>
        CheckedNoOp(offset, length, cancellationToken);

    public ValueTask<AllocationExtent> GetAllocationAsync(long offset, long maxLength, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<AllocationExtent>(cancellationToken);
        }

        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (maxLength <= 0)
            {
                throw new BackstoreException(BackstoreError.InvalidArgument, $"maxLength {maxLength} must be positive.");
            }

            BackstoreChecks.CheckRange(offset, 1, _length);
            return ValueTask.FromResult(new AllocationExtent(offset, Math.Min(maxLength, _length - offset), IsMapped: false));
        }
        catch (Exception ex)
        {
            return ValueTask.FromException<AllocationExtent>(ex);
        }
    }

    public void Dispose() => _disposed = true;

    public override string ToString() => $"null:{_name}";

    private ValueTask CheckedNoOp(long offset, long length, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            BackstoreChecks.CheckRange(offset, length, _length);
            return ValueTask.CompletedTask;
        }
        catch (Exception ex)
        {
            return ValueTask.FromException(ex);
        }
    }
}
