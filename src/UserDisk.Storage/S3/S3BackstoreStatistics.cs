namespace UserDisk.Storage.S3;

/// <summary>
/// Counters of one <see cref="S3Backstore"/>, exact (Interlocked) so tests can count requests. The process-wide
/// instruments are in <see cref="S3Metrics"/>.
/// </summary>
public sealed class S3BackstoreStatistics
{
    private long _getRequests;
    private long _headRequests;
    private long _bytesReceived;
    private long _cacheHits;
    private long _cacheMisses;
    private long _readAheadChunks;
    private long _diskCacheHits;
    private long _retries;
    private long _errors;
    private long _cachedBytes;

    /// <summary>GET requests sent, every attempt counted (a retried GET counts twice).</summary>
    public long GetRequests => Interlocked.Read(ref _getRequests);

    public long HeadRequests => Interlocked.Read(ref _headRequests);

    public long BytesReceived => Interlocked.Read(ref _bytesReceived);

    /// <summary>Chunk lookups of reads that were served without a fetch of their own: from memory, or by joining
    /// a fetch already in flight (another reader's or read-ahead's).</summary>
    public long CacheHits => Interlocked.Read(ref _cacheHits);

    /// <summary>Chunk lookups of reads that started a fetch (from the disk cache if there is one, else a GET).</summary>
    public long CacheMisses => Interlocked.Read(ref _cacheMisses);

    /// <summary>Chunk fetches started by read-ahead rather than by a read.</summary>
    public long ReadAheadChunks => Interlocked.Read(ref _readAheadChunks);

    /// <summary>Chunks found in the on-disk cache (each saves a GET).</summary>
    public long DiskCacheHits => Interlocked.Read(ref _diskCacheHits);

    public long Retries => Interlocked.Read(ref _retries);

    /// <summary>Fetches that failed for good (after retries, or at once when the object changed).</summary>
    public long Errors => Interlocked.Read(ref _errors);

    /// <summary>Bytes of chunk memory the in-memory cache holds now (whole pooled arrays).</summary>
    public long CachedBytes => Interlocked.Read(ref _cachedBytes);

    public override string ToString() =>
        $"GETs {GetRequests}, HEADs {HeadRequests}, received {BytesReceived} B, hits {CacheHits}, misses {CacheMisses}, "
        + $"read-ahead {ReadAheadChunks}, disk hits {DiskCacheHits}, retries {Retries}, errors {Errors}, cached {CachedBytes} B";

    internal void CountGet()
    {
        Interlocked.Increment(ref _getRequests);
        S3Metrics.Requests.Add(1, S3Metrics.KindGet);
    }

    internal void CountHead()
    {
        Interlocked.Increment(ref _headRequests);
        S3Metrics.Requests.Add(1, S3Metrics.KindHead);
    }

    internal void CountBytesReceived(long bytes)
    {
        Interlocked.Add(ref _bytesReceived, bytes);
        S3Metrics.BytesReceived.Add(bytes);
    }

    internal void CountHit()
    {
        Interlocked.Increment(ref _cacheHits);
        S3Metrics.CacheHits.Add(1);
    }

    internal void CountMiss()
    {
        Interlocked.Increment(ref _cacheMisses);
        S3Metrics.CacheMisses.Add(1);
    }

    internal void CountReadAhead()
    {
        Interlocked.Increment(ref _readAheadChunks);
        S3Metrics.ReadAheadChunks.Add(1);
    }

    internal void CountDiskCacheHit() => Interlocked.Increment(ref _diskCacheHits);

    internal void CountRetry()
    {
        Interlocked.Increment(ref _retries);
        S3Metrics.Retries.Add(1);
    }

    internal void CountError(string reason)
    {
        Interlocked.Increment(ref _errors);
        S3Metrics.Error(reason);
    }

    internal void AddCachedBytes(long delta)
    {
        Interlocked.Add(ref _cachedBytes, delta);
        S3Metrics.AddCacheBytes(delta);
    }
}
