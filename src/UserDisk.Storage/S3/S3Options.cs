namespace UserDisk.Storage.S3;

/// <summary>How an <see cref="S3Backstore"/> reaches its object and caches it.</summary>
public sealed record S3Options
{
    public const int DefaultChunkBytes = 1 << 20;

    /// <summary>The smallest chunk: below 64 KiB the per-request cost of S3 (tens of milliseconds) dominates.</summary>
    public const int MinChunkBytes = 64 << 10;

    /// <summary>The largest chunk: a chunk is one pooled array, and a GET of more than 64 MiB gains nothing.</summary>
    public const int MaxChunkBytes = 64 << 20;

    // The range Polly's timeout strategy accepts.
    private static readonly TimeSpan MinTimeout = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan MaxTimeout = TimeSpan.FromDays(1);

    /// <summary>The service URL of an S3-compatible store, e.g. "http://127.0.0.1:4569"; null for AWS itself.</summary>
    public string? Endpoint { get; init; }

    /// <summary>The region requests are signed for (and, without <see cref="Endpoint"/>, sent to).</summary>
    public string Region { get; init; } = "us-east-1";

    /// <summary>Address buckets as http://endpoint/bucket/key rather than http://bucket.endpoint/key (MinIO, s3rver).</summary>
    public bool ForcePathStyle { get; init; }

    /// <summary>With <see cref="SecretKey"/>, static credentials; both null means the SDK's default chain
    /// (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, the shared profile, an instance role).</summary>
    public string? AccessKey { get; init; }

    public string? SecretKey { get; init; }

    /// <summary>Bytes per ranged GET and per cache entry: a power of two from 64 KiB to 64 MiB.</summary>
    public int ChunkBytes { get; init; } = DefaultChunkBytes;

    /// <summary>Upper bound of the in-memory chunk cache (least recently used chunks are dropped); at least one chunk.</summary>
    public long CacheBytes { get; init; } = 256L << 20;

    /// <summary>An optional directory for a second-level cache of chunks on local disk, keyed by object version.</summary>
    /// <remarks>Entries are never removed by the backstore: size the file system or clean it with a timer job.</remarks>
    public string? CacheDirectory { get; init; }

    /// <summary>Chunks fetched ahead of a sequential reader; 0 turns read-ahead off.</summary>
    public int ReadAheadChunks { get; init; } = 4;

    /// <summary>GETs in flight at once for one backstore (demand reads and read-ahead together).</summary>
    public int MaxConcurrentRequests { get; init; } = 16;

    /// <summary>How long one attempt of a request may take before it is abandoned and retried.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one read may spend on attempts and back-off before it fails with a medium error.</summary>
    public TimeSpan RetryTimeLimit { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The logical block size of the disk: 512, 1024, 2048 or 4096.</summary>
    public int BlockSize { get; init; } = 512;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first option that is out of range.</summary>
    public void Validate()
    {
        if (Endpoint is not null
            && (!Uri.TryCreate(Endpoint, UriKind.Absolute, out Uri? endpoint) || endpoint.Scheme is not ("http" or "https")))
        {
            throw new ArgumentException($"Endpoint '{Endpoint}' must be an absolute http:// or https:// URL.", nameof(Endpoint));
        }

        if (string.IsNullOrWhiteSpace(Region))
        {
            throw new ArgumentException("Region must not be empty.", nameof(Region));
        }

        if (AccessKey is null != SecretKey is null)
        {
            throw new ArgumentException("AccessKey and SecretKey must be given together (or neither, for the default credential chain).", nameof(AccessKey));
        }

        if (ChunkBytes < MinChunkBytes || ChunkBytes > MaxChunkBytes || (ChunkBytes & (ChunkBytes - 1)) != 0)
        {
            throw new ArgumentException($"ChunkBytes {ChunkBytes} must be a power of two from {MinChunkBytes} to {MaxChunkBytes}.", nameof(ChunkBytes));
        }

        if (CacheBytes < ChunkBytes)
        {
            throw new ArgumentException($"CacheBytes {CacheBytes} must hold at least one chunk of {ChunkBytes} bytes.", nameof(CacheBytes));
        }

        if (ReadAheadChunks < 0)
        {
            throw new ArgumentException($"ReadAheadChunks {ReadAheadChunks} must not be negative.", nameof(ReadAheadChunks));
        }

        if (MaxConcurrentRequests < 1)
        {
            throw new ArgumentException($"MaxConcurrentRequests {MaxConcurrentRequests} must be at least 1.", nameof(MaxConcurrentRequests));
        }

        if (RequestTimeout < MinTimeout || RequestTimeout > MaxTimeout)
        {
            throw new ArgumentException($"RequestTimeout {RequestTimeout} must be from 10 ms to 1 day.", nameof(RequestTimeout));
        }

        if (RetryTimeLimit < MinTimeout || RetryTimeLimit > MaxTimeout)
        {
            throw new ArgumentException($"RetryTimeLimit {RetryTimeLimit} must be from 10 ms to 1 day.", nameof(RetryTimeLimit));
        }

        BackstoreChecks.ValidateBlockSize(BlockSize, nameof(BlockSize));
    }

    /// <summary>Every option but the secret key, which must not reach a log through a record's generated ToString.</summary>
    public override string ToString() =>
        $"S3Options {{ Endpoint = {Endpoint ?? "(AWS)"}, Region = {Region}, ForcePathStyle = {ForcePathStyle}, "
        + $"AccessKey = {AccessKey ?? "(default chain)"}, ChunkBytes = {ChunkBytes}, CacheBytes = {CacheBytes}, "
        + $"CacheDirectory = {CacheDirectory ?? "(none)"}, ReadAheadChunks = {ReadAheadChunks}, "
        + $"MaxConcurrentRequests = {MaxConcurrentRequests}, RequestTimeout = {RequestTimeout}, "
        + $"RetryTimeLimit = {RetryTimeLimit}, BlockSize = {BlockSize} }}";
}
