namespace UserDisk.Storage.S3;

/// <summary>
/// One aligned piece of the object in a pooled array, reference counted: the cache holds one reference while the
/// chunk is cached, and every reader holds one while it copies. The array goes back to the pool when the last
/// reference is released, so an eviction racing a copy never hands the array to another chunk mid-copy.
/// </summary>
internal sealed class S3Chunk
{
    private readonly S3ChunkCache _owner;
    private byte[]? _buffer;
    private int _references;

    /// <summary>A chunk over <paramref name="buffer"/> (rented from <paramref name="owner"/>), with one reference.</summary>
    public S3Chunk(S3ChunkCache owner, long index, int length, byte[] buffer)
    {
        _owner = owner;
        Index = index;
        Length = length;
        _buffer = buffer;
        _references = 1;
    }

    public long Index { get; }

    /// <summary>Bytes of the object in this chunk: the chunk size, or less for the last chunk.</summary>
    public int Length { get; }

    /// <summary>The bytes, valid while the caller holds a reference.</summary>
    public Memory<byte> Data => (_buffer ?? throw new ObjectDisposedException(nameof(S3Chunk))).AsMemory(0, Length);

    /// <summary>The length of the pooled array, which is what the chunk costs in memory.</summary>
    public int BufferLength => _buffer?.Length ?? 0;

    /// <summary>The cache's node of this chunk in its recency list; touched only under the cache's lock.</summary>
    public LinkedListNode<S3Chunk>? Node { get; set; }

    /// <summary>Takes a reference unless the chunk is already released for good (then its array may be reused).</summary>
    public bool TryAcquire()
    {
        int current = Volatile.Read(ref _references);
        while (current > 0)
        {
            int seen = Interlocked.CompareExchange(ref _references, current + 1, current);
            if (seen == current)
            {
                return true;
            }

            current = seen;
        }

        return false;
    }

    public void Release()
    {
        int left = Interlocked.Decrement(ref _references);
        if (left == 0)
        {
            byte[]? buffer = Interlocked.Exchange(ref _buffer, null);
            if (buffer is not null)
            {
                _owner.ReturnBuffer(buffer);
            }
        }
        else if (left < 0)
        {
            throw new InvalidOperationException($"Chunk {Index} was released more often than acquired.");
        }
    }
}
