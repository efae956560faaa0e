using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace UserDisk.Storage.S3;

/// <summary>
/// One S3 object served read-only: ranged GETs of aligned chunks into a bounded in-memory cache (optionally backed
/// by a cache on local disk), single flight per chunk, read-ahead for sequential readers, retries with back-off.
/// </summary>
/// <remarks>
/// <para>The object version is pinned at open: every GET carries If-Match with the ETag seen by the HEAD, and the
/// ETag of every response is checked as well, because some S3-compatible stores (s3rver) ignore If-Match. So the
/// disk never mixes two versions. A replaced or removed object makes the backstore not ready for good (every
/// later read fails at once, cached chunks included) and raises <see cref="ObjectChanged"/> once; serving it again
/// means opening it again, which gives a new <see cref="Identity"/>.</para>
/// <para><see cref="Length"/> is the object's size rounded up to the block size; the bytes past the object's end
/// read as zeros.</para>
/// <para>Reads of cached chunks complete synchronously and allocate nothing. A miss waits for its GET without
/// holding a thread; the chunks of one read that are missing are fetched in parallel.</para>
/// <para>Failures: an object that changed is <see cref="BackstoreError.NotReady"/>; transient failures
/// (connection errors, timeouts, 5xx, throttling) are retried with jittered exponential back-off until
/// <see cref="S3Options.RetryTimeLimit"/>, each attempt cut off after <see cref="S3Options.RequestTimeout"/>, and then
/// fail as <see cref="BackstoreError.MediumError"/> naming the object, the range and the last error.</para>
/// </remarks>
public sealed class S3Backstore : IBackstore
{
    // Three reads in a row near where the previous one ended count as a sequential stream.
    private const int SequentialRunsForReadAhead = 2;

    private static readonly ResiliencePropertyKey<Exception> LastErrorKey = new("userdisk.s3.last-error");

    private static readonly ResiliencePropertyKey<int> RetriesKey = new("userdisk.s3.retries");

    private readonly IAmazonS3 _client;
    private readonly S3Options _options;
    private readonly S3ChunkCache _cache;
    private readonly S3DiskCache? _diskCache;
    private readonly ResiliencePipeline _pipeline;
    private readonly SemaphoreSlim _requestSlots;
    private readonly CancellationTokenSource _lifetime = new();
    private readonly CancellationToken _lifetimeToken;
    private readonly long _length;
    private readonly int _chunkShift;
    private readonly int _readAheadChunks;

    // The sequential-stream detector: where the last read ended, and how many reads in a row were near it.
    private readonly Lock _streamLock = new();
    private long _streamEnd = -1;
    private int _sequentialRuns;

    // Set once when the object is found replaced or removed; every read fails with this message from then on.
    private string? _changedMessage;
    private volatile bool _disposed;

    private S3Backstore(
        IAmazonS3 client,
        S3Location location,
        S3Options options,
        long objectLength,
        string etag,
        DateTime? lastModified,
        ResiliencePipeline pipeline,
        S3BackstoreStatistics statistics)
    {
        _client = client;
        _options = options;
        Location = location;
        ObjectLength = objectLength;
        ETag = etag;
        LastModified = lastModified;
        _pipeline = pipeline;
        Statistics = statistics;
        _length = (objectLength + options.BlockSize - 1) / options.BlockSize * options.BlockSize;
        _chunkShift = System.Numerics.BitOperations.Log2((uint)options.ChunkBytes);
        _cache = new S3ChunkCache(options.ChunkBytes, options.CacheBytes, options.MaxConcurrentRequests, statistics);

        // Read-ahead beyond what the cache holds would evict the chunks being read.
        _readAheadChunks = (int)Math.Min(options.ReadAheadChunks, _cache.CapacityChunks - 1);
        _requestSlots = new SemaphoreSlim(options.MaxConcurrentRequests, options.MaxConcurrentRequests);
        _lifetimeToken = _lifetime.Token;
        _diskCache = options.CacheDirectory is null ? null : new S3DiskCache(options.CacheDirectory, location, etag);
        Identity = BackstoreIdentity.FromString(location + "@" + etag);
    }

    /// <summary>
    /// Raised once, on the thread that noticed, when the object turns out to be replaced or removed. Handlers must
    /// not throw or block: the read that noticed waits for them.
    /// </summary>
    public event EventHandler<S3ObjectChangedEventArgs>? ObjectChanged;

    public S3Location Location { get; }

    /// <summary>The object's size in bytes; <see cref="Length"/> is this rounded up to the block size.</summary>
    public long ObjectLength { get; }

    /// <summary>The ETag pinned at open, exactly as the server sent it (quotes included).</summary>
    public string ETag { get; }

    public DateTime? LastModified { get; }

    public S3BackstoreStatistics Statistics { get; }

    public long Length => _length;

    public int BlockSize => _options.BlockSize;

    public bool IsReadOnly => true;

    /// <summary>Derived from "s3://bucket/key@etag": the same object version is the same disk, another version is not.</summary>
    public BackstoreIdentity Identity { get; }

    public bool SupportsUnmap => false;

    public bool UnmappedReadsZero => false;

    /// <summary>
    /// HEADs the object and pins its size and ETag. <paramref name="client"/> defaults to the shared client of
    /// <see cref="S3ClientFactory.Shared"/> for the options' endpoint and credentials; a client passed in stays the
    /// caller's (it is not disposed with the backstore).
    /// </summary>
    /// <exception cref="BackstoreException"><see cref="BackstoreError.NotReady"/> when the object does not exist, is
    /// empty, cannot be accessed or the store cannot be reached within <see cref="S3Options.RetryTimeLimit"/>.</exception>
    public static async Task<S3Backstore> OpenAsync(
        S3Location location,
        S3Options options,
        IAmazonS3? client = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(location);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        client ??= S3ClientFactory.Shared.GetClient(options);
        var statistics = new S3BackstoreStatistics();
        ResiliencePipeline pipeline = BuildPipeline(options, statistics);

        GetObjectMetadataResponse head;
        ResilienceContext context = ResilienceContextPool.Shared.Get(cancellationToken);
        try
        {
            head = await pipeline.ExecuteAsync(
                static async (context, state) =>
                {
                    state.statistics.CountHead();
                    var request = new GetObjectMetadataRequest { BucketName = state.location.Bucket, Key = state.location.Key };
                    return await state.client.GetObjectMetadataAsync(request, context.CancellationToken).ConfigureAwait(false);
                },
                context,
                (client, location, statistics)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw OpenFailure(location, ex, context, options);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }

        long size = head.ContentLength;
        if (size <= 0)
        {
            throw new BackstoreException(
                BackstoreError.NotReady,
                size == 0
                    ? $"{location} is empty (0 bytes); a disk needs at least one block."
                    : $"{location}: the server did not report the object's size.");
        }

        if (string.IsNullOrEmpty(head.ETag))
        {
            throw new BackstoreException(
                BackstoreError.NotReady,
                $"{location}: the server sent no ETag, so the object's version cannot be pinned.");
        }

        return new S3Backstore(client, location, options, size, head.ETag, head.LastModified, pipeline, statistics);
    }

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
            ThrowIfChanged();
            if (destination.IsEmpty)
            {
                return ValueTask.CompletedTask;
            }

            NoteRead(offset, destination.Length);
            int done = CopyCachedPrefix(offset, destination.Span);
            return done == destination.Length
                ? ValueTask.CompletedTask
                : ReadMissingAsync(offset + done, destination[done..], cancellationToken);
        }
        catch (Exception ex)
        {
            return ValueTask.FromException(ex);
        }
    }

    public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> source, bool forceUnitAccess, CancellationToken cancellationToken = default) =>
        ValueTask.FromException(WriteProtected());

    public ValueTask FlushAsync(long offset, long length, CancellationToken cancellationToken = default) =>
        BackstoreChecks.FlushReadOnly(_disposed, this, offset, length, _length, cancellationToken);

    public ValueTask UnmapAsync(long offset, long length, CancellationToken cancellationToken = default) =>
        ValueTask.FromException(WriteProtected());

    public ValueTask<AllocationExtent> GetAllocationAsync(long offset, long maxLength, CancellationToken cancellationToken = default) =>
        BackstoreChecks.AllMapped(_disposed, this, offset, maxLength, _length, cancellationToken);

    /// <summary>Drops the cached chunks and abandons the fetches in flight (their readers see them cancelled).</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _lifetime.Cancel();
        _cache.Dispose();
        _lifetime.Dispose();

        // _requestSlots is not disposed: abandoned fetches still release their slot, and a SemaphoreSlim whose wait
        // handle was never asked for holds nothing the GC does not reclaim.
    }

    public override string ToString() => $"{Location}@{ETag}";

    private static ResiliencePipeline BuildPipeline(S3Options options, S3BackstoreStatistics statistics) =>
        new ResiliencePipelineBuilder()
            // Outermost: the whole operation, attempts and back-off together.
            .AddTimeout(options.RetryTimeLimit)
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = static args => ValueTask.FromResult(
                    args.Outcome.Exception is { } error && IsTransient(error, args.Context.CancellationToken)),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(100),
                MaxDelay = TimeSpan.FromSeconds(5),

                // Bounded by the outer timeout, not by a count.
                MaxRetryAttempts = int.MaxValue,
                OnRetry = args =>
                {
                    statistics.CountRetry();
                    args.Context.Properties.Set(RetriesKey, args.AttemptNumber + 1);
                    if (args.Outcome.Exception is { } error)
                    {
                        args.Context.Properties.Set(LastErrorKey, error);
                    }

                    return default;
                },
            })
            // Innermost: one attempt.
            .AddTimeout(options.RequestTimeout)
            .Build();

    /// <summary>Failures worth another attempt: the network, timeouts, throttling and server errors.</summary>
    private static bool IsTransient(Exception error, CancellationToken operationToken)
    {
        switch (error)
        {
            case S3ObjectChangedException:
                return false;
            case AmazonServiceException service when service.StatusCode != 0:
                int status = (int)service.StatusCode;
                return status >= 500
                    || service.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests
                    || service.ErrorCode is "SlowDown" or "RequestTimeout" or "Throttling" or "ThrottlingException" or "RequestLimitExceeded";
            case TimeoutRejectedException:
                return true;
            case OperationCanceledException:
                // HttpClient's own timeout surfaces as a cancellation; the caller's or the time limit's does not retry.
                return !operationToken.IsCancellationRequested;
            case HttpRequestException or IOException or SocketException:
                return true;
        }

        // The SDK wraps network failures (an AmazonServiceException without a status, an AmazonClientException).
        return error.InnerException is { } inner && IsTransient(inner, operationToken);
    }

    private static BackstoreException OpenFailure(S3Location location, Exception error, ResilienceContext context, S3Options options)
    {
        string what = error switch
        {
            AmazonServiceException { StatusCode: HttpStatusCode.NotFound } =>
                "does not exist (404 Not Found: no such key or bucket)",
            AmazonServiceException { StatusCode: HttpStatusCode.Forbidden } service =>
                $"cannot be accessed (403 Forbidden{ErrorCodeSuffix(service)}: check the credentials and the bucket policy)",
            TimeoutRejectedException =>
                $"could not be reached: {Attempts(context)} attempts within the retry limit of {options.RetryTimeLimit.TotalSeconds:0.#} s "
                + $"did not succeed (last error: {Describe(LastError(context) ?? error)})",
            _ => $"could not be opened: {Describe(error)}",
        };
        return new BackstoreException(BackstoreError.NotReady, $"{location} {what}.", error);
    }

    private static Exception? LastError(ResilienceContext context) =>
        context.Properties.TryGetValue(LastErrorKey, out Exception? error) ? error : null;

    /// <summary>Attempts made: the retries, plus the first attempt.</summary>
    private static int Attempts(ResilienceContext context) =>
        (context.Properties.TryGetValue(RetriesKey, out int retries) ? retries : 0) + 1;

    private static string ErrorCodeSuffix(AmazonServiceException service) =>
        string.IsNullOrEmpty(service.ErrorCode) ? "" : ", " + service.ErrorCode;

    /// <summary>One line for an error message: the status and code for service errors, the innermost cause otherwise.</summary>
    private static string Describe(Exception error)
    {
        if (error is AmazonServiceException { StatusCode: not 0 } service)
        {
            return $"{(int)service.StatusCode} {service.StatusCode}{ErrorCodeSuffix(service)}: {service.Message}";
        }

        if (error is TimeoutRejectedException timeout)
        {
            return $"an attempt timed out after {timeout.Timeout.TotalSeconds:0.###} s";
        }

        Exception inner = error;
        while (inner.InnerException is not null)
        {
            inner = inner.InnerException;
        }

        return error.Message.Contains(inner.Message, StringComparison.Ordinal)
            ? $"{error.GetType().Name}: {error.Message}"
            : $"{error.GetType().Name}: {error.Message} ({inner.Message})";
    }

    private static string NormalizeETag(string etag)
    {
        ReadOnlySpan<char> span = etag.AsSpan().Trim();
        if (span.StartsWith("W/", StringComparison.Ordinal))
        {
            span = span[2..];
        }

        return span.Trim('"').ToString();
    }

    private BackstoreException WriteProtected() =>
        new(BackstoreError.WriteProtected, $"{Location} is read-only (an S3 object is served read-only).");

    private void ThrowIfChanged()
    {
        string? changed = Volatile.Read(ref _changedMessage);
        if (changed is not null)
        {
            throw new BackstoreException(BackstoreError.NotReady, changed);
        }
    }

    /// <summary>Copies the leading chunks of the read that are cached; returns how many bytes were done.</summary>
    private int CopyCachedPrefix(long offset, Span<byte> destination)
    {
        int done = 0;
        while (done < destination.Length)
        {
            long position = offset + done;
            if (position >= ObjectLength)
            {
                // Past the object's end, up to the block boundary: zeros.
                destination[done..].Clear();
                return destination.Length;
            }

            long index = position >> _chunkShift;
            S3ChunkCache.ChunkLookup lookup = _cache.Lookup(index, startFetch: false);
            if (lookup.Hit is not { } chunk)
            {
                return done;
            }

            Statistics.CountHit();
            done += CopyFromChunk(chunk, position, destination[done..]);
        }

        return done;
    }

    /// <summary>Copies what <paramref name="chunk"/> holds from <paramref name="position"/> on, and releases it.</summary>
    private int CopyFromChunk(S3Chunk chunk, long position, Span<byte> destination)
    {
        try
        {
            int within = (int)(position - (chunk.Index << _chunkShift));
            int count = Math.Min(destination.Length, chunk.Length - within);
            chunk.Data.Span.Slice(within, count).CopyTo(destination);
            return count;
        }
        finally
        {
            chunk.Release();
        }
    }

    private async ValueTask ReadMissingAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        long objectEnd = Math.Min(offset + destination.Length, ObjectLength);
        if (offset < objectEnd)
        {
            // First start (or join) the fetch of every chunk of the read that is not cached, so they run in parallel.
            long first = offset >> _chunkShift;
            long last = (objectEnd - 1) >> _chunkShift;
            List<Task>? fetches = null;
            for (long index = first; index <= last; index++)
            {
                S3ChunkCache.ChunkLookup lookup = _cache.Lookup(index, startFetch: true);
                if (lookup.Hit is { } chunk)
                {
                    Statistics.CountHit();
                    chunk.Release();
                }
                else if (lookup.Pending is { } pending)
                {
                    Statistics.CountHit();
                    (fetches ??= []).Add(pending);
                }
                else if (lookup.Fetch is { } fetch)
                {
                    Statistics.CountMiss();
                    _ = FetchAsync(index, fetch, slotHeld: false);
                    (fetches ??= []).Add(fetch.Task);
                }
            }

            if (fetches is not null)
            {
                await Task.WhenAll(fetches).WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        // Then copy. A chunk evicted since (a cache smaller than the read) is fetched again.
        int done = 0;
        while (done < destination.Length)
        {
            long position = offset + done;
            if (position >= ObjectLength)
            {
                destination.Span[done..].Clear();
                break;
            }

            long index = position >> _chunkShift;
            S3ChunkCache.ChunkLookup lookup = _cache.Lookup(index, startFetch: true);
            if (lookup.Hit is { } chunk)
            {
                done += CopyFromChunk(chunk, position, destination.Span[done..]);
            }
            else if (lookup.Pending is { } pending)
            {
                await pending.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            else if (lookup.Fetch is { } fetch)
            {
                _ = FetchAsync(index, fetch, slotHeld: false);
                await fetch.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Notes a read for the sequential-stream detector and, in a stream, starts fetching the chunks after it.
    /// Reads of a stream may arrive slightly out of order (an initiator with many commands in flight), so a read
    /// that starts within one chunk of where the previous one ended still counts.
    /// </summary>
    private void NoteRead(long offset, int length)
    {
        if (_readAheadChunks <= 0)
        {
            return;
        }

        long end = offset + length;
        long chunkBytes = _options.ChunkBytes;
        bool sequential;
        lock (_streamLock)
        {
            bool near = _streamEnd >= 0 && offset >= _streamEnd - chunkBytes && offset <= _streamEnd + chunkBytes;
            _sequentialRuns = near ? _sequentialRuns + 1 : 0;
            _streamEnd = near ? Math.Max(_streamEnd, end) : end;
            sequential = _sequentialRuns >= SequentialRunsForReadAhead;
        }

        if (sequential && end < ObjectLength)
        {
            StartReadAhead(((end - 1) >> _chunkShift) + 1);
        }
    }

    private void StartReadAhead(long firstIndex)
    {
        long lastIndex = Math.Min(firstIndex + _readAheadChunks, ((ObjectLength - 1) >> _chunkShift) + 1) - 1;
        for (long index = firstIndex; index <= lastIndex; index++)
        {
            if (_cache.ContainsOrFetching(index))
            {
                continue;
            }

            // Read-ahead never queues: if every request slot is busy, demand reads come first.
            if (!_requestSlots.Wait(0))
            {
                return;
            }

            S3ChunkCache.ChunkLookup lookup = _cache.Lookup(index, startFetch: true);
            if (lookup.Fetch is { } fetch)
            {
                Statistics.CountReadAhead();
                _ = FetchAsync(index, fetch, slotHeld: true);
            }
            else
            {
                lookup.Hit?.Release();
                _requestSlots.Release();
            }
        }
    }

    /// <summary>
    /// Fetches one chunk (disk cache, else GET) and completes <paramref name="fetch"/>. Runs on its own, detached
    /// from any one reader: readers that give up (cancel) leave it running for the others, and only disposal stops it.
    /// Never throws; failures go to the fetch's waiters.
    /// </summary>
    private async Task FetchAsync(long index, TaskCompletionSource fetch, bool slotHeld)
    {
        S3Chunk? chunk = null;
        try
        {
            long start = index << _chunkShift;
            int length = (int)Math.Min(_options.ChunkBytes, ObjectLength - start);
            chunk = _cache.Rent(index, length);
            bool fromDisk = false;
            if (_diskCache is not null)
            {
                fromDisk = await _diskCache.TryReadAsync(index, chunk.Data, _lifetimeToken).ConfigureAwait(false);
                if (fromDisk)
                {
                    Statistics.CountDiskCacheHit();
                }
            }

            if (!fromDisk)
            {
                if (!slotHeld)
                {
                    await _requestSlots.WaitAsync(_lifetimeToken).ConfigureAwait(false);
                    slotHeld = true;
                }

                await GetAsync(chunk, start, _lifetimeToken).ConfigureAwait(false);
            }

            if (slotHeld)
            {
                _requestSlots.Release();
                slotHeld = false;
            }

            // A reference of our own for the disk write, which runs after the waiters are released.
            bool writeToDisk = !fromDisk && _diskCache is not null && chunk.TryAcquire();
            S3Chunk cached = chunk;
            chunk = null;
            _cache.Complete(index, fetch, cached);
            if (writeToDisk)
            {
                try
                {
                    await _diskCache!.TryWriteAsync(index, cached.Data, _lifetimeToken).ConfigureAwait(false);
                }
                finally
                {
                    cached.Release();
                }
            }
        }
        catch (Exception ex)
        {
            if (slotHeld)
            {
                _requestSlots.Release();
            }

            chunk?.Release();
            _cache.Fail(index, fetch, ex);
        }
    }

    /// <summary>GETs <paramref name="chunk"/>'s range with retries; throws <see cref="BackstoreException"/> on failure.</summary>
    private async ValueTask GetAsync(S3Chunk chunk, long start, CancellationToken cancellationToken)
    {
        ResilienceContext context = ResilienceContextPool.Shared.Get(cancellationToken);
        try
        {
            await _pipeline.ExecuteAsync(
                static (context, state) => state.self.GetOnceAsync(state.chunk, state.start, context.CancellationToken),
                context,
                (self: this, chunk, start)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw ReadFailure(chunk, start, ex, context);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private async ValueTask GetOnceAsync(S3Chunk chunk, long start, CancellationToken cancellationToken)
    {
        int length = chunk.Length;
        var request = new GetObjectRequest
        {
            BucketName = Location.Bucket,
            Key = Location.Key,
            ByteRange = new ByteRange(start, start + length - 1),
            EtagToMatch = ETag,
        };
        Statistics.CountGet();
        using GetObjectResponse response = await _client.GetObjectAsync(request, cancellationToken).ConfigureAwait(false);

        // If-Match should have made a changed object fail with 412, but not every store honours it.
        if (!string.IsNullOrEmpty(response.ETag) && NormalizeETag(response.ETag) != NormalizeETag(ETag))
        {
            throw new S3ObjectChangedException(S3ObjectChangeReason.Replaced, $"a GET returned ETag {response.ETag}");
        }

        if (response.ContentLength != length)
        {
            throw new IOException($"The GET of {length} bytes at {start} returned {response.ContentLength} bytes.");
        }

        int read = await response.ResponseStream
            .ReadAtLeastAsync(chunk.Data, length, throwOnEndOfStream: false, cancellationToken)
            .ConfigureAwait(false);
        Statistics.CountBytesReceived(read);
        if (read != length)
        {
            throw new IOException($"The GET of {length} bytes at {start} ended after {read} bytes.");
        }
    }

    private BackstoreException ReadFailure(S3Chunk chunk, long start, Exception error, ResilienceContext context)
    {
        string range = $"bytes {start}-{start + chunk.Length - 1}";
        switch (error)
        {
            case S3ObjectChangedException changed:
                return ObjectChangedFailure(changed.Reason, changed.Message);
            case AmazonServiceException { StatusCode: HttpStatusCode.PreconditionFailed }:
                return ObjectChangedFailure(S3ObjectChangeReason.Replaced, "a GET with If-Match failed with 412 Precondition Failed");
            case AmazonServiceException { StatusCode: HttpStatusCode.NotFound } notFound:
                return ObjectChangedFailure(S3ObjectChangeReason.Removed, $"a GET failed with 404 Not Found{ErrorCodeSuffix(notFound)}");
            case TimeoutRejectedException:
                Statistics.CountError("retries_exhausted");
                Exception last = LastError(context) ?? error;
                return new BackstoreException(
                    BackstoreError.MediumError,
                    $"Reading {range} of {Location} failed: {Attempts(context)} attempts within the retry limit of "
                    + $"{_options.RetryTimeLimit.TotalSeconds:0.#} s did not succeed; last error: {Describe(last)}.",
                    last);
            default:
                Statistics.CountError(IsTransient(error, CancellationToken.None) ? "transient" : "rejected");
                return new BackstoreException(
                    BackstoreError.MediumError,
                    $"Reading {range} of {Location} failed: {Describe(error)}.",
                    error);
        }
    }

    /// <summary>Puts the backstore in the changed state (once), raises <see cref="ObjectChanged"/> and returns the error.</summary>
    private BackstoreException ObjectChangedFailure(S3ObjectChangeReason reason, string detail)
    {
        string what = reason == S3ObjectChangeReason.Removed ? "was removed" : "was replaced";
        string message =
            $"{Location} {what}: it was opened at ETag {ETag}, but {detail}. The disk is not ready until the object is opened again.";
        Statistics.CountError(reason == S3ObjectChangeReason.Removed ? "removed" : "replaced");
        if (Interlocked.CompareExchange(ref _changedMessage, message, null) is null)
        {
            ObjectChanged?.Invoke(this, new S3ObjectChangedEventArgs(Location, ETag, reason, detail));
        }

        return new BackstoreException(BackstoreError.NotReady, Volatile.Read(ref _changedMessage)!);
    }
}
