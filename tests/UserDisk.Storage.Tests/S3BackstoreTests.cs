using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using UserDisk.Storage.S3;
using static UserDisk.Storage.Tests.TestEnvironment;

namespace UserDisk.Storage.Tests;

/// <summary>
/// The S3 backstore against a real S3 server (s3rver on loopback). Chunks are 64 KiB here so that small objects
/// span many chunks; the counters in <see cref="S3Backstore.Statistics"/> count GETs exactly.
/// </summary>
public sealed class S3BackstoreTests : IClassFixture<S3rverFixture>
{
    private const int Chunk = 64 << 10;
    private const int MiB = 1 << 20;

    private readonly S3rverFixture _fixture;

    public S3BackstoreTests(S3rverFixture fixture)
    {
        _fixture = fixture;
    }

    [Fact]
    public async Task Reads_match_the_object_across_chunk_boundaries_and_read_zeros_past_its_end()
    {
        S3rverServer server = _fixture.Require();
        byte[] content = TestData.Pattern((5 * Chunk) + 1234, seed: 3);
        string key = Key();
        string etag = await server.PutAsync(key, content, Token);
        using S3Backstore store = await OpenAsync(server, key, ChunkOptions(server));

        Assert.Equal(content.Length, store.ObjectLength);
        Assert.Equal(((content.Length / 512) + 1) * 512, store.Length);
        Assert.Equal(etag, store.ETag);
        byte[] expected = new byte[store.Length];
        content.CopyTo(expected, 0);
        var random = new Random(7);
        for (int i = 0; i < 60; i++)
        {
            // Block-aligned, as the engine guarantees; many cross a chunk boundary or the object's end.
            long blocks = store.Length / 512;
            long first = random.NextInt64(blocks);
            int count = (int)Math.Min(blocks - first, random.Next(1, 300));
            var back = new byte[count * 512];
            await store.ReadAsync(first * 512, back, Token);
            Assert.True(expected.AsSpan((int)(first * 512), back.Length).SequenceEqual(back), $"read of {count} blocks at block {first}");
        }

        var whole = new byte[store.Length];
        await store.ReadAsync(0, whole, Token);
        Assert.Equal(expected, whole);
        var tail = new byte[512];
        await store.ReadAsync(store.Length - 512, tail, Token);
        Assert.True(TestData.IsAllZero(tail.AsSpan(content.Length % 512)));
        Assert.Equal(6, store.Statistics.GetRequests);
    }

    [Fact]
    public async Task Read_beyond_the_disk_is_out_of_range()
    {
        S3rverServer server = _fixture.Require();
        string key = Key();
        await server.PutAsync(key, TestData.Pattern(Chunk), Token);
        using S3Backstore store = await OpenAsync(server, key, ChunkOptions(server));

        var error = await Assert.ThrowsAsync<BackstoreException>(async () => await store.ReadAsync(store.Length, new byte[512], Token));

        Assert.Equal(BackstoreError.OutOfRange, error.Error);
        Assert.Equal(0, store.Statistics.GetRequests);
    }

    [Fact]
    public async Task Reads_of_cached_chunks_complete_synchronously_and_allocate_nothing()
    {
        S3rverServer server = _fixture.Require();
        string key = Key();
        await server.PutAsync(key, TestData.Pattern(4 * Chunk), Token);
        using S3Backstore store = await OpenAsync(server, key, ChunkOptions(server) with { ReadAheadChunks = 0 });
        var back = new byte[8192];
        await store.ReadAsync(0, new byte[4 * Chunk], Token);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 2000; i++)
        {
            ValueTask read = store.ReadAsync(i * 512L % ((4 * Chunk) - back.Length), back, Token);
            Assert.True(read.IsCompletedSuccessfully);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public async Task Concurrent_reads_of_one_cold_chunk_share_one_GET()
    {
        S3rverServer server = _fixture.Require();
        byte[] content = TestData.Pattern(8 * Chunk, seed: 5);
        string key = Key();
        await server.PutAsync(key, content, Token);
        using S3Backstore store = await OpenAsync(server, key, ChunkOptions(server) with { ReadAheadChunks = 0 });

        var buffers = Enumerable.Range(0, 16).Select(_ => new byte[4096]).ToArray();
        long chunkStart = 3L * Chunk;
        await Task.WhenAll(buffers.Select((buffer, i) => store.ReadAsync(chunkStart + (i * 4096), buffer, Token).AsTask()));

        Assert.Equal(1, store.Statistics.GetRequests);
        Assert.Equal(1, store.Statistics.CacheMisses);
        Assert.Equal(15, store.Statistics.CacheHits);
        for (int i = 0; i < buffers.Length; i++)
        {
            Assert.True(content.AsSpan((int)chunkStart + (i * 4096), 4096).SequenceEqual(buffers[i]));
        }
    }

    [Fact]
    public async Task Read_ahead_turns_the_misses_of_a_sequential_scan_into_hits()
    {
        S3rverServer server = _fixture.Require();
        const int Chunks = 32;
        byte[] content = TestData.Pattern(Chunks * Chunk, seed: 6);
        string key = Key();
        await server.PutAsync(key, content, Token);
        S3Options options = ChunkOptions(server) with { ReadAheadChunks = 4 };

        // Sequential: 16 KiB reads from start to end.
        using S3Backstore sequential = await OpenAsync(server, key, options);
        var back = new byte[16 << 10];
        for (long offset = 0; offset < content.Length; offset += back.Length)
        {
            await sequential.ReadAsync(offset, back, Token);
            Assert.True(content.AsSpan((int)offset, back.Length).SequenceEqual(back));
        }

        // Scattered: the same 16 KiB reads in an order where no read starts near the end of the one before
        // (37 reads apart, about 9 chunks; 37 and 128 are coprime, so every read is made once).
        using S3Backstore scattered = await OpenAsync(server, key, options);
        int reads = content.Length / back.Length;
        for (int i = 0; i < reads; i++)
        {
            long offset = (long)(i * 37 % reads) * back.Length;
            await scattered.ReadAsync(offset, back, Token);
            Assert.True(content.AsSpan((int)offset, back.Length).SequenceEqual(back));
        }

        S3BackstoreStatistics seq = sequential.Statistics;
        S3BackstoreStatistics rnd = scattered.Statistics;
        Assert.Equal(Chunks, seq.GetRequests);
        Assert.Equal(Chunks, rnd.GetRequests);
        Assert.InRange(seq.ReadAheadChunks, Chunks - 2, Chunks - 1);
        Assert.InRange(seq.CacheMisses, 1, 2);
        Assert.Equal(seq.CacheHits + seq.CacheMisses, content.Length / back.Length);
        Assert.Equal(0, rnd.ReadAheadChunks);
        Assert.Equal(Chunks, rnd.CacheMisses);
    }

    [Fact]
    public async Task Cache_stays_within_its_budget_and_evicted_chunks_are_fetched_again()
    {
        S3rverServer server = _fixture.Require();
        const int Chunks = 16;
        byte[] content = TestData.Pattern(Chunks * Chunk, seed: 8);
        string key = Key();
        await server.PutAsync(key, content, Token);
        using S3Backstore store = await OpenAsync(server, key, ChunkOptions(server) with { CacheBytes = 4 * Chunk, ReadAheadChunks = 0 });

        var back = new byte[Chunk / 2];
        for (int pass = 1; pass <= 2; pass++)
        {
            for (long offset = 0; offset < content.Length; offset += back.Length)
            {
                await store.ReadAsync(offset, back, Token);
                Assert.True(content.AsSpan((int)offset, back.Length).SequenceEqual(back));
                Assert.InRange(store.Statistics.CachedBytes, Chunk, 4 * Chunk);
            }

            Assert.Equal(pass * Chunks, store.Statistics.GetRequests);
        }

        // A read larger than the whole cache still returns the right bytes.
        var whole = new byte[content.Length];
        await store.ReadAsync(0, whole, Token);
        Assert.Equal(content, whole);
        Assert.InRange(store.Statistics.CachedBytes, Chunk, 4 * Chunk);
    }

    [Fact]
    public async Task Read_ahead_with_a_small_cache_returns_the_right_bytes()
    {
        S3rverServer server = _fixture.Require();
        byte[] content = TestData.Pattern((12 * Chunk) + 512, seed: 9);
        string key = Key();
        await server.PutAsync(key, content, Token);
        using S3Backstore store = await OpenAsync(server, key, ChunkOptions(server) with { CacheBytes = 3 * Chunk, ReadAheadChunks = 8 });

        var back = new byte[8192];
        for (long offset = 0; offset < content.Length; offset += back.Length)
        {
            int length = (int)Math.Min(back.Length, store.Length - offset);
            await store.ReadAsync(offset, back.AsMemory(0, length), Token);
            Assert.True(content.AsSpan((int)offset, Math.Min(length, content.Length - (int)offset)).SequenceEqual(back.AsSpan(0, Math.Min(length, content.Length - (int)offset))));
            Assert.InRange(store.Statistics.CachedBytes, 0, 3 * Chunk);
        }
    }

    [Fact]
    public async Task Concurrent_reads_with_a_cache_smaller_than_the_working_set_return_the_right_bytes()
    {
        S3rverServer server = _fixture.Require();
        string key = Key();
        byte[] content = TestData.Pattern((24 * Chunk) + 3000, seed: 15);
        await server.PutAsync(key, content, Token);
        using S3Backstore store = await OpenAsync(server, key, ChunkOptions(server) with { CacheBytes = 3 * Chunk, MaxConcurrentRequests = 4 });
        byte[] expected = new byte[store.Length];
        content.CopyTo(expected, 0);

        // Evictions race copies: a chunk's array must never be reused while a reader still copies from it.
        await Task.WhenAll(Enumerable.Range(0, 32).Select(worker => Task.Run(
            async () =>
            {
                var random = new Random(worker);
                var back = new byte[48 << 10];
                for (int i = 0; i < 40; i++)
                {
                    long blocks = store.Length / 512;
                    long first = worker % 2 == 0 ? random.NextInt64(blocks) : (i * 96L) % blocks;
                    int length = (int)Math.Min(back.Length, (blocks - first) * 512);
                    await store.ReadAsync(first * 512, back.AsMemory(0, length), Token);
                    Assert.True(expected.AsSpan((int)(first * 512), length).SequenceEqual(back.AsSpan(0, length)), $"worker {worker}, read {i}");
                }
            },
            Token)));

        Assert.InRange(store.Statistics.CachedBytes, 0, 3 * Chunk);
    }

    [Fact]
    public async Task Replaced_object_makes_the_disk_not_ready_and_raises_ObjectChanged_once()
    {
        S3rverServer server = _fixture.Require();
        byte[] first = TestData.Pattern(4 * Chunk, seed: 10);
        string key = Key();
        await server.PutAsync(key, first, Token);
        using S3Backstore store = await OpenAsync(server, key, ChunkOptions(server) with { ReadAheadChunks = 0 });
        var changes = new List<S3ObjectChangedEventArgs>();
        store.ObjectChanged += (_, e) => changes.Add(e);
        var back = new byte[Chunk];
        await store.ReadAsync(0, back, Token);
        Assert.Equal(first.AsSpan(0, Chunk).ToArray(), back);

        await server.PutAsync(key, TestData.Pattern(4 * Chunk, seed: 11), Token);
        var error = await Assert.ThrowsAsync<BackstoreException>(async () => await store.ReadAsync(2L * Chunk, back, Token));

        TestContext.Current.TestOutputHelper?.WriteLine(error.Message);
        Assert.Equal(BackstoreError.NotReady, error.Error);
        Assert.Contains($"s3://{server.Bucket}/{key}", error.Message, StringComparison.Ordinal);
        Assert.Contains(store.ETag, error.Message, StringComparison.Ordinal);
        Assert.Contains("replaced", error.Message, StringComparison.Ordinal);
        S3ObjectChangedEventArgs change = Assert.Single(changes);
        Assert.Equal(S3ObjectChangeReason.Replaced, change.Reason);
        Assert.Equal(store.ETag, change.PinnedETag);
        Assert.Equal(store.Location, change.Location);

        // Never a mix of versions: even the chunk still cached from the first version is refused now.
        long gets = store.Statistics.GetRequests;
        var again = await Assert.ThrowsAsync<BackstoreException>(async () => await store.ReadAsync(0, back, Token));
        Assert.Equal(BackstoreError.NotReady, again.Error);
        Assert.Equal(gets, store.Statistics.GetRequests);
        Assert.Single(changes);
    }

    [Fact]
    public async Task Removed_object_makes_the_disk_not_ready()
    {
        S3rverServer server = _fixture.Require();
        string key = Key();
        await server.PutAsync(key, TestData.Pattern(2 * Chunk), Token);
        using S3Backstore store = await OpenAsync(server, key, ChunkOptions(server));
        S3ObjectChangedEventArgs? change = null;
        store.ObjectChanged += (_, e) => change = e;

        await server.DeleteAsync(key, Token);
        var error = await Assert.ThrowsAsync<BackstoreException>(async () => await store.ReadAsync(0, new byte[4096], Token));

        Assert.Equal(BackstoreError.NotReady, error.Error);
        Assert.Contains($"s3://{server.Bucket}/{key}", error.Message, StringComparison.Ordinal);
        Assert.Contains("removed", error.Message, StringComparison.Ordinal);
        Assert.Equal(S3ObjectChangeReason.Removed, change?.Reason);
        Assert.Equal(1, store.Statistics.GetRequests);
    }

    [Fact]
    public async Task Missing_object_at_open_is_a_not_ready_error_naming_it()
    {
        S3rverServer server = _fixture.Require();
        S3Location location = server.Location("no/such/object.img");

        var error = await Assert.ThrowsAsync<BackstoreException>(() => S3Backstore.OpenAsync(location, ChunkOptions(server), cancellationToken: Token));

        TestContext.Current.TestOutputHelper?.WriteLine(error.Message);
        Assert.Equal(BackstoreError.NotReady, error.Error);
        Assert.Contains($"s3://{server.Bucket}/no/such/object.img", error.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unreachable_store_at_open_is_a_not_ready_error_after_the_retry_limit()
    {
        // Port 1 on loopback: nothing listens, every connection is refused at once.
        var options = new S3Options
        {
            Endpoint = "http://127.0.0.1:1",
            ForcePathStyle = true,
            AccessKey = S3rverServer.AccessKey,
            SecretKey = S3rverServer.SecretKey,
            RetryTimeLimit = TimeSpan.FromSeconds(1),
        };
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<BackstoreException>(() => S3Backstore.OpenAsync(S3Location.Parse("s3://b/disk.img"), options, cancellationToken: Token));

        TestContext.Current.TestOutputHelper?.WriteLine(error.Message);
        Assert.Equal(BackstoreError.NotReady, error.Error);
        Assert.Contains("s3://b/disk.img could not be reached", error.Message, StringComparison.Ordinal);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task Empty_object_cannot_be_opened()
    {
        S3rverServer server = _fixture.Require();
        string key = Key();
        await server.PutAsync(key, [], Token);

        var error = await Assert.ThrowsAsync<BackstoreException>(() => OpenAsync(server, key, ChunkOptions(server)));

        Assert.Equal(BackstoreError.NotReady, error.Error);
        Assert.Contains("empty", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stopped_server_fails_a_read_with_a_medium_error_within_the_retry_limit()
    {
        await using S3rverServer server = await S3rverFixture.StartOwnAsync(Token);
        byte[] content = TestData.Pattern(4 * Chunk, seed: 12);
        await server.PutAsync("disk.img", content, Token);
        S3Options options = ChunkOptions(server) with { RetryTimeLimit = TimeSpan.FromSeconds(3), RequestTimeout = TimeSpan.FromSeconds(1), ReadAheadChunks = 0 };
        using AmazonS3ClientLease client = new(options);
        using S3Backstore store = await S3Backstore.OpenAsync(server.Location("disk.img"), options, client.Client, Token);
        await store.ReadAsync(0, new byte[4096], Token);

        server.Stop();
        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<BackstoreException>(async () => await store.ReadAsync(2L * Chunk, new byte[4096], Token));
        clock.Stop();

        TestContext.Current.TestOutputHelper?.WriteLine(error.Message);
        Assert.Equal(BackstoreError.MediumError, error.Error);
        Assert.Contains($"s3://{server.Bucket}/disk.img", error.Message, StringComparison.Ordinal);
        Assert.Contains($"bytes {2 * Chunk}-{(3 * Chunk) - 1}", error.Message, StringComparison.Ordinal);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(2.5), TimeSpan.FromSeconds(5));
        Assert.True(store.Statistics.Retries >= 3, store.Statistics.ToString());
    }

    [Fact]
    public async Task Frozen_server_fails_a_read_by_attempt_timeouts_within_the_retry_limit()
    {
        await using S3rverServer server = await S3rverFixture.StartOwnAsync(Token);
        await server.PutAsync("disk.img", TestData.Pattern(2 * Chunk), Token);
        S3Options options = ChunkOptions(server) with { RetryTimeLimit = TimeSpan.FromSeconds(2), RequestTimeout = TimeSpan.FromMilliseconds(400) };
        using AmazonS3ClientLease client = new(options);
        using S3Backstore store = await S3Backstore.OpenAsync(server.Location("disk.img"), options, client.Client, Token);

        server.Freeze(true);
        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<BackstoreException>(async () => await store.ReadAsync(0, new byte[4096], Token));
        clock.Stop();
        server.Freeze(false);

        TestContext.Current.TestOutputHelper?.WriteLine(error.Message);
        Assert.Equal(BackstoreError.MediumError, error.Error);
        Assert.Contains("timed out", error.Message, StringComparison.Ordinal);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(4));
        Assert.True(store.Statistics.GetRequests >= 2, store.Statistics.ToString());
    }

    [Fact]
    public async Task Writes_and_unmaps_are_refused_as_write_protected()
    {
        S3rverServer server = _fixture.Require();
        string key = Key();
        await server.PutAsync(key, TestData.Pattern(Chunk), Token);
        using S3Backstore store = await OpenAsync(server, key, ChunkOptions(server));

        var write = await Assert.ThrowsAsync<BackstoreException>(async () => await store.WriteAsync(0, new byte[512], forceUnitAccess: false, Token));
        var unmap = await Assert.ThrowsAsync<BackstoreException>(async () => await store.UnmapAsync(0, 512, Token));
        await store.FlushAsync(0, 0, Token);

        Assert.True(store.IsReadOnly);
        Assert.False(store.SupportsUnmap);
        Assert.Equal(BackstoreError.WriteProtected, write.Error);
        Assert.Equal(BackstoreError.WriteProtected, unmap.Error);
        Assert.Equal(new AllocationExtent(0, store.Length, IsMapped: true), await store.GetAllocationAsync(0, long.MaxValue, Token));
    }

    [Fact]
    public async Task Identity_is_the_location_and_ETag_so_a_new_version_is_a_new_disk()
    {
        S3rverServer server = _fixture.Require();
        string key = Key();
        await server.PutAsync(key, TestData.Pattern(Chunk, seed: 1), Token);
        using S3Backstore first = await OpenAsync(server, key, ChunkOptions(server));
        using S3Backstore again = await OpenAsync(server, key, ChunkOptions(server));
        await server.PutAsync(key, TestData.Pattern(Chunk, seed: 2), Token);
        using S3Backstore second = await OpenAsync(server, key, ChunkOptions(server));

        Assert.Equal(BackstoreIdentity.FromString($"s3://{server.Bucket}/{key}@{first.ETag}"), first.Identity);
        Assert.Equal(first.Identity, again.Identity);
        Assert.NotEqual(first.ETag, second.ETag);
        Assert.NotEqual(first.Identity, second.Identity);
    }

    [Fact]
    public async Task Disk_cache_serves_a_second_open_without_GETs()
    {
        S3rverServer server = _fixture.Require();
        using var cacheDirectory = new TempDirectory();
        byte[] content = TestData.Pattern((6 * Chunk) + 100, seed: 13);
        string key = Key();
        await server.PutAsync(key, content, Token);
        S3Options options = ChunkOptions(server) with { CacheDirectory = cacheDirectory.Path, ReadAheadChunks = 0 };
        byte[] expected = new byte[((content.Length / 512) + 1) * 512];
        content.CopyTo(expected, 0);

        using (S3Backstore first = await OpenAsync(server, key, options))
        {
            var whole = new byte[first.Length];
            await first.ReadAsync(0, whole, Token);
            Assert.Equal(expected, whole);
            Assert.Equal(7, first.Statistics.GetRequests);

            // The chunk files are written after the read completes, off its path.
            var clock = Stopwatch.StartNew();
            while (Directory.GetFiles(cacheDirectory.Path, "*.chunk", SearchOption.AllDirectories).Length < 7)
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "the chunk files were not written");
                await Task.Delay(20, Token);
            }
        }

        using S3Backstore second = await OpenAsync(server, key, options);
        var back = new byte[second.Length];
        await second.ReadAsync(0, back, Token);

        Assert.Equal(expected, back);
        Assert.Equal(0, second.Statistics.GetRequests);
        Assert.Equal(7, second.Statistics.DiskCacheHits);
        Assert.Empty(Directory.GetFiles(cacheDirectory.Path, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Dispose_releases_the_cached_chunks()
    {
        S3rverServer server = _fixture.Require();
        string key = Key();
        await server.PutAsync(key, TestData.Pattern(4 * Chunk), Token);
        S3Backstore store = await OpenAsync(server, key, ChunkOptions(server) with { ReadAheadChunks = 0 });
        await store.ReadAsync(0, new byte[4 * Chunk], Token);
        Assert.Equal(4 * Chunk, store.Statistics.CachedBytes);

        store.Dispose();

        Assert.Equal(0, store.Statistics.CachedBytes);
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await store.ReadAsync(0, new byte[512], Token));
    }

    [Fact]
    public async Task Meter_publishes_requests_bytes_and_cache_counters()
    {
        S3rverServer server = _fixture.Require();
        string key = Key();
        await server.PutAsync(key, TestData.Pattern(2 * Chunk), Token);
        var totals = new ConcurrentDictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == S3Metrics.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            string name = instrument.Name;
            foreach (KeyValuePair<string, object?> tag in tags)
            {
                name += $"{{{tag.Key}={tag.Value}}}";
            }

            totals.AddOrUpdate(name, value, (_, total) => total + value);
        });
        listener.Start();

        using (S3Backstore store = await OpenAsync(server, key, ChunkOptions(server) with { ReadAheadChunks = 0 }))
        {
            await store.ReadAsync(0, new byte[2 * Chunk], Token);
            await store.ReadAsync(0, new byte[512], Token);
            listener.RecordObservableInstruments();
        }

        // Other tests may use S3 at the same time, so at least what this one did.
        Assert.True(totals.GetValueOrDefault("userdisk_s3_requests{kind=head}") >= 1);
        Assert.True(totals.GetValueOrDefault("userdisk_s3_requests{kind=get}") >= 2);
        Assert.True(totals.GetValueOrDefault("userdisk_s3_bytes_received") >= 2 * Chunk);
        Assert.True(totals.GetValueOrDefault("userdisk_s3_cache_misses") >= 2);
        Assert.True(totals.GetValueOrDefault("userdisk_s3_cache_hits") >= 1);
        Assert.True(totals.GetValueOrDefault("userdisk_s3_cache_bytes") >= 2 * Chunk);
    }

    [Fact]
    public async Task Cold_sequential_read_of_a_64_MiB_object_reports_its_throughput()
    {
        S3rverServer server = _fixture.Require();
        byte[] content = TestData.Pattern(64 * MiB, seed: 14);
        string key = Key();
        await server.PutAsync(key, content, Token);
        using S3Backstore store = await OpenAsync(server, key, server.Options());

        var back = new byte[128 << 10];
        var clock = Stopwatch.StartNew();
        for (long offset = 0; offset < content.Length; offset += back.Length)
        {
            await store.ReadAsync(offset, back, Token);
            Assert.True(content.AsSpan((int)offset, back.Length).SequenceEqual(back));
        }

        clock.Stop();
        double mbPerSecond = content.Length / clock.Elapsed.TotalSeconds / 1e6;
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"cold sequential read of 64 MiB in 128 KiB reads, 1 MiB chunks: {clock.Elapsed.TotalMilliseconds:0} ms, {mbPerSecond:0} MB/s; {store.Statistics}");
        Assert.Equal(64, store.Statistics.GetRequests);
    }

    /// <summary>A key of the test's own: the bucket is shared by the class.</summary>
    private static string Key() => $"disks/{Guid.NewGuid():N}.img";

    private static S3Options ChunkOptions(S3rverServer server) => server.Options() with { ChunkBytes = Chunk };

    private static Task<S3Backstore> OpenAsync(S3rverServer server, string key, S3Options options) =>
        S3Backstore.OpenAsync(server.Location(key), options, cancellationToken: Token);

    /// <summary>An unshared client for a server that a test stops: its dead connections stay out of the shared pool.</summary>
    private sealed class AmazonS3ClientLease : IDisposable
    {
        public AmazonS3ClientLease(S3Options options)
        {
            Client = S3ClientFactory.CreateClient(options);
        }

        public Amazon.S3.AmazonS3Client Client { get; }

        public void Dispose() => Client.Dispose();
    }
}
