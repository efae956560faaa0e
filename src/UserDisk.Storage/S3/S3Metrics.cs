using System.Diagnostics.Metrics;

namespace UserDisk.Storage.S3;

/// <summary>
/// The process-wide instruments of the S3 backstores (meter "UserDisk.Storage.S3"); a Prometheus or OpenTelemetry
/// exporter listens to them. Per-backstore numbers are in <see cref="S3BackstoreStatistics"/>.
/// </summary>
public static class S3Metrics
{
    public const string MeterName = "UserDisk.Storage.S3";

    // Summed over all open backstores and read by the gauge's callback when an exporter collects.
    private static long s_cacheBytes;

    internal static readonly Meter Meter = new(MeterName);

    internal static readonly Counter<long> Requests =
        Meter.CreateCounter<long>("userdisk_s3_requests", "{request}", "Requests sent to S3, by kind (get, head).");

    internal static readonly Counter<long> BytesReceived =
        Meter.CreateCounter<long>("userdisk_s3_bytes_received", "By", "Object bytes received in GET responses.");

    internal static readonly Counter<long> CacheHits =
        Meter.CreateCounter<long>("userdisk_s3_cache_hits", "{chunk}", "Chunk lookups served without a GET of their own.");

    internal static readonly Counter<long> CacheMisses =
        Meter.CreateCounter<long>("userdisk_s3_cache_misses", "{chunk}", "Chunk lookups that had to fetch the chunk.");

    internal static readonly Counter<long> ReadAheadChunks =
        Meter.CreateCounter<long>("userdisk_s3_readahead_chunks", "{chunk}", "Chunks fetched ahead of a sequential reader.");

    internal static readonly Counter<long> Retries =
        Meter.CreateCounter<long>("userdisk_s3_retries", "{retry}", "Attempts repeated after a transient failure.");

    internal static readonly Counter<long> Errors =
        Meter.CreateCounter<long>("userdisk_s3_errors", "{error}", "Failed requests, by reason.");

    internal static readonly ObservableGauge<long> CacheBytes =
        Meter.CreateObservableGauge("userdisk_s3_cache_bytes", () => Volatile.Read(ref s_cacheBytes), "By", "Bytes of chunks held in memory caches.");

    internal static readonly KeyValuePair<string, object?> KindGet = new("kind", "get");

    internal static readonly KeyValuePair<string, object?> KindHead = new("kind", "head");

    internal static void AddCacheBytes(long delta) => Interlocked.Add(ref s_cacheBytes, delta);

    internal static void Error(string reason) => Errors.Add(1, new KeyValuePair<string, object?>("reason", reason));
}
