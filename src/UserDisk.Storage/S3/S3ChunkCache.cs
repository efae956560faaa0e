using System.Buffers;

namespace UserDisk.Storage.S3;

/// <summary>
/// The in-memory chunk cache of one <see cref="S3Backstore"/>: least-recently-used chunks up to a byte budget, and
/// the fetches in flight, so that concurrent misses on one chunk share one fetch (single flight).
/// </summary>
/// <remarks>
/// <para>One lock guards the recency list, the map and the in-flight table: it is held for a dictionary lookup and
/// a list splice, never across I/O, and a cached chunk and its in-flight entry change hands under it atomically,
/// so a reader always sees one or the other.</para>
/// <para>A finished fetch only signals its waiters; they look the chunk up again and take their own reference.
/// If the chunk was evicted in between (a cache far smaller than the working set), a waiter fetches it again:
/// one more GET, never a read from a recycled array.</para>
/// <para>Chunk arrays come from a pool owned by this cache, sized for the chunks it can hold plus those in
/// flight, so in steady state an eviction's array is the next fetch's and the GC sees no large allocations.</para>
/// </remarks>
internal sealed class S3ChunkCache : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<long, S3Chunk> _chunks = new();
    private readonly Dictionary<long, TaskCompletionSource> _inFlight = new();

    // Most recently used first.
    private readonly LinkedList<S3Chunk> _recency = new();
    private ArrayPool<byte>? _pool;
    private readonly S3BackstoreStatistics _statistics;
    private readonly long _capacityBytes;
    private readonly int _chunkBytes;
    private long _cachedBytes;
    private bool _disposed;

    public S3ChunkCache(int chunkBytes, long capacityBytes, int maxConcurrentFetches, S3BackstoreStatistics statistics)
    {
        _chunkBytes = chunkBytes;
        _capacityBytes = capacityBytes;
        _statistics = statistics;
        long capacityChunks = capacityBytes / chunkBytes;
        int arraysPerBucket = (int)Math.Min(capacityChunks + maxConcurrentFetches + 1, 1 << 16);
        _pool = ArrayPool<byte>.Create(chunkBytes, arraysPerBucket);
    }

    /// <summary>How many whole chunks fit in the budget.</summary>
    public long CapacityChunks => _capacityBytes / _chunkBytes;

    public long CachedBytes
    {
        get
        {
            lock (_lock)
            {
                return _cachedBytes;
            }
        }
    }

    /// <summary>
    /// Finds chunk <paramref name="index"/>: a hit returns it with a reference taken (the caller releases it); a
    /// chunk being fetched returns the fetch's task; otherwise, with <paramref name="startFetch"/>, registers a
    /// fetch that the caller must finish with <see cref="Complete"/> or <see cref="Fail"/>.
    /// </summary>
    public ChunkLookup Lookup(long index, bool startFetch)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_chunks.TryGetValue(index, out S3Chunk? chunk) && chunk.TryAcquire())
            {
                if (chunk.Node!.Previous is not null)
                {
                    _recency.Remove(chunk.Node);
                    _recency.AddFirst(chunk.Node);
                }

                return new ChunkLookup(chunk, null, null);
            }

            if (_inFlight.TryGetValue(index, out TaskCompletionSource? pending))
            {
                return new ChunkLookup(null, pending.Task, null);
            }

            if (!startFetch)
            {
                return default;
            }

            // Continuations run on the pool, not inline in Complete: a waiter's copy must not delay the fetcher.
            var fetch = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _inFlight.Add(index, fetch);
            return new ChunkLookup(null, null, fetch);
        }
    }

    /// <summary>True when the chunk is cached or being fetched.</summary>
    public bool ContainsOrFetching(long index)
    {
        lock (_lock)
        {
            return _chunks.ContainsKey(index) || _inFlight.ContainsKey(index);
        }
    }

    /// <summary>A chunk with a pooled array of the chunk size, holding one reference (the caller's).</summary>
    public S3Chunk Rent(long index, int length)
    {
        ArrayPool<byte> pool = Volatile.Read(ref _pool) ?? throw new ObjectDisposedException(nameof(S3ChunkCache));
        return new S3Chunk(this, index, length, pool.Rent(_chunkBytes));
    }

    /// <summary>Takes back a chunk's array when its last reference goes; after disposal the GC takes it instead.</summary>
    public void ReturnBuffer(byte[] buffer) => Volatile.Read(ref _pool)?.Return(buffer);

    /// <summary>
    /// Caches a fetched chunk (the caller's reference passes to the cache), evicts what no longer fits and
    /// releases the waiters of the fetch.
    /// </summary>
    public void Complete(long index, TaskCompletionSource fetch, S3Chunk chunk)
    {
        List<S3Chunk>? evicted = null;
        lock (_lock)
        {
            _inFlight.Remove(index);
            if (_disposed)
            {
                evicted = [chunk];
            }
            else
            {
                chunk.Node = _recency.AddFirst(chunk);
                _chunks.Add(index, chunk);
                _cachedBytes += chunk.BufferLength;
                _statistics.AddCachedBytes(chunk.BufferLength);
                while (_cachedBytes > _capacityBytes && _recency.Last is { } last)
                {
                    S3Chunk victim = last.Value;
                    _recency.RemoveLast();
                    _chunks.Remove(victim.Index);
                    _cachedBytes -= victim.BufferLength;
                    _statistics.AddCachedBytes(-victim.BufferLength);
                    (evicted ??= []).Add(victim);
                }
            }
        }

        // Outside the lock: the last release returns the array to the pool.
        if (evicted is not null)
        {
            foreach (S3Chunk victim in evicted)
            {
                victim.Release();
            }
        }

        fetch.TrySetResult();
    }

    /// <summary>Ends a fetch that failed; its waiters see <paramref name="error"/>.</summary>
    public void Fail(long index, TaskCompletionSource fetch, Exception error)
    {
        lock (_lock)
        {
            _inFlight.Remove(index);
        }

        fetch.TrySetException(error);

        // Read-ahead fetches may have no waiter; observing the exception keeps it off UnobservedTaskException.
        _ = fetch.Task.Exception;
    }

    public void Dispose()
    {
        List<S3Chunk> dropped;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;

            // Drop the pool and the free arrays in it; arrays still in use go to the GC when released.
            Volatile.Write(ref _pool, null);
            dropped = [.. _recency];
            _recency.Clear();
            _chunks.Clear();
            _statistics.AddCachedBytes(-_cachedBytes);
            _cachedBytes = 0;
        }

        // A reader copying from a chunk still holds its reference; the array returns to the pool after it.
        foreach (S3Chunk chunk in dropped)
        {
            chunk.Release();
        }
    }

    /// <summary>The outcome of <see cref="Lookup"/>: exactly one of the three is set, or none when nothing was started.</summary>
    public readonly record struct ChunkLookup(S3Chunk? Hit, Task? Pending, TaskCompletionSource? Fetch);
}
