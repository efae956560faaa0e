namespace UserDisk.Storage;

/// <summary>
/// A sparse RAM disk for tests and benchmarks: memory is allocated on first write, in 1 MiB chunks, and never
/// beyond <see cref="Length"/>. Unwritten and unmapped ranges read as zeros.
/// </summary>
/// <remarks>
/// <para>Chunks are ordinary managed arrays held in an array of references that starts out all null. A chunk is
/// created without a lock (<see cref="Interlocked.CompareExchange{T}(ref T, T, T)"/>: the loser of a race drops its
/// array), so concurrent I/O to different chunks never contends, and I/O to an existing chunk allocates nothing.
/// Managed arrays rather than NativeMemory: unmap and dispose drop a chunk by nulling its reference while another
/// thread may still be copying from it, and the GC keeps the array alive for that thread. Native memory would need
/// a reference count or a lock on every I/O to free safely. The chunks are not pinned: nothing hands out their
/// addresses, every access is a span copy.</para>
/// <para>Overlapping commands that run concurrently have no defined order (SAM-5): a write racing an unmap of the
/// same chunk may land in the dropped array, which reads as "write, then unmap".</para>
/// </remarks>
public sealed class MemoryBackstore : IBackstore
{
    /// <summary>Allocation unit: 1 MiB, a multiple of every supported block size.</summary>
    public const int ChunkSize = 1 << ChunkShift;

    private const int ChunkShift = 20;

    private readonly byte[]?[] _chunks;
    private readonly long _length;
    private readonly int _blockSize;
    private readonly bool _readOnly;
    private readonly string _name;
    private long _allocatedBytes;
    private volatile bool _disposed;

    /// <param name="name">Names the store; the identity is derived from "memory:" + name.</param>
    /// <param name="length">Size in bytes, a positive multiple of <paramref name="blockSize"/>.</param>
    /// <param name="blockSize">512, 1024, 2048 or 4096.</param>
    /// <param name="readOnly">Refuse writes and unmaps (the store then always reads as zeros).</param>
    public MemoryBackstore(string name, long length, int blockSize = 512, bool readOnly = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        BackstoreChecks.ValidateBlockSize(blockSize, nameof(blockSize));
        BackstoreChecks.ValidateLength(length, blockSize, nameof(length));
        long chunkCount = (length + ChunkSize - 1) >> ChunkShift;
        if (chunkCount > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, "The store is too large for a memory backstore.");
        }

        _chunks = new byte[]?[chunkCount];
        _length = length;
        _blockSize = blockSize;
        _readOnly = readOnly;
        _name = name;
        Identity = BackstoreIdentity.FromString("memory:" + name);
    }

    public long Length => _length;

    public int BlockSize => _blockSize;

    public bool IsReadOnly => _readOnly;

    public BackstoreIdentity Identity { get; }

    public bool SupportsUnmap => true;

    public bool UnmappedReadsZero => true;

    /// <summary>Bytes of chunk memory currently allocated.</summary>
    public long AllocatedBytes => Interlocked.Read(ref _allocatedBytes);

    public ValueTask ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        try
        {
            Read(offset, destination.Span);
            return ValueTask.CompletedTask;
        }
        catch (Exception ex)
        {
            return ValueTask.FromException(ex);
        }
    }

    public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> source, bool forceUnitAccess, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        try
        {
            // forceUnitAccess needs nothing: RAM is as stable as this store gets.
            Write(offset, source.Span);
            return ValueTask.CompletedTask;
        }
        catch (Exception ex)
        {
            return ValueTask.FromException(ex);
        }
    }

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

    public ValueTask UnmapAsync(long offset, long length, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        try
        {
            Unmap(offset, length);
            return ValueTask.CompletedTask;
        }
        catch (Exception ex)
        {
            return ValueTask.FromException(ex);
        }
    }

    public ValueTask<AllocationExtent> GetAllocationAsync(long offset, long maxLength, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<AllocationExtent>(cancellationToken);
        }

        try
        {
            return ValueTask.FromResult(GetAllocation(offset, maxLength));
        }
        catch (Exception ex)
        {
            return ValueTask.FromException<AllocationExtent>(ex);
        }
    }

    public void Dispose()
    {
        _disposed = true;

        // Let the GC take the chunks even if something still holds this object.
        for (int i = 0; i < _chunks.Length; i++)
        {
            Volatile.Write(ref _chunks[i], null);
        }

        Interlocked.Exchange(ref _allocatedBytes, 0);
    }

    public override string ToString() => $"memory:{_name}";

    private void Read(long offset, Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        BackstoreChecks.CheckRange(offset, destination.Length, _length);
        while (!destination.IsEmpty)
        {
            int index = (int)(offset >> ChunkShift);
            int within = (int)(offset & (ChunkSize - 1));
            int count = Math.Min(destination.Length, ChunkSize - within);
            byte[]? chunk = Volatile.Read(ref _chunks[index]);
            if (chunk is null)
            {
                destination[..count].Clear();
            }
            else
            {
                chunk.AsSpan(within, count).CopyTo(destination);
            }

            destination = destination[count..];
            offset += count;
        }
    }

    private void Write(long offset, ReadOnlySpan<byte> source)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_readOnly)
        {
            BackstoreChecks.ThrowWriteProtected(ToString());
        }

        BackstoreChecks.CheckRange(offset, source.Length, _length);
        while (!source.IsEmpty)
        {
            int index = (int)(offset >> ChunkShift);
            int within = (int)(offset & (ChunkSize - 1));
            int count = Math.Min(source.Length, ChunkSize - within);
            byte[] chunk = Volatile.Read(ref _chunks[index]) ?? CreateChunk(index);
            source[..count].CopyTo(chunk.AsSpan(within, count));
            source = source[count..];
            offset += count;
        }
    }

    private byte[] CreateChunk(int index)
    {
        // The last chunk holds only what is left of the store, so memory never exceeds Length.
        int size = (int)Math.Min(ChunkSize, _length - ((long)index << ChunkShift));
        var fresh = new byte[size];
        byte[]? existing = Interlocked.CompareExchange(ref _chunks[index], fresh, null);
        if (existing is not null)
        {
            return existing;
        }

        Interlocked.Add(ref _allocatedBytes, size);
        return fresh;
    }

    private void Unmap(long offset, long length)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_readOnly)
        {
            BackstoreChecks.ThrowWriteProtected(ToString());
        }

        BackstoreChecks.CheckRange(offset, length, _length);
        long end = offset + length;
        while (offset < end)
        {
            int index = (int)(offset >> ChunkShift);
            long chunkStart = (long)index << ChunkShift;
            long chunkEnd = Math.Min(chunkStart + ChunkSize, _length);
            long pieceEnd = Math.Min(end, chunkEnd);
            if (offset == chunkStart && pieceEnd == chunkEnd)
            {
                // The whole chunk: free it.
                byte[]? dropped = Interlocked.Exchange(ref _chunks[index], null);
                if (dropped is not null)
                {
                    Interlocked.Add(ref _allocatedBytes, -dropped.Length);
                }
            }
            else
            {
                // Part of a chunk: zero that part (an unallocated chunk reads as zeros already).
                Volatile.Read(ref _chunks[index])?.AsSpan((int)(offset - chunkStart), (int)(pieceEnd - offset)).Clear();
            }

            offset = pieceEnd;
        }
    }

    private AllocationExtent GetAllocation(long offset, long maxLength)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (maxLength <= 0)
        {
            throw new BackstoreException(BackstoreError.InvalidArgument, $"maxLength {maxLength} must be positive.");
        }

        BackstoreChecks.CheckRange(offset, 1, _length);
        long end = offset + Math.Min(maxLength, _length - offset);
        int index = (int)(offset >> ChunkShift);
        bool mapped = Volatile.Read(ref _chunks[index]) is not null;
        long extentEnd = Math.Min(((long)index + 1) << ChunkShift, end);
        while (extentEnd < end && (Volatile.Read(ref _chunks[++index]) is not null) == mapped)
        {
            extentEnd = Math.Min(((long)index + 1) << ChunkShift, end);
        }

        return new AllocationExtent(offset, extentEnd - offset, mapped);
    }
}
