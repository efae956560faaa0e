using static UserDisk.Storage.Tests.TestEnvironment;

namespace UserDisk.Storage.Tests;

public sealed class MemoryBackstoreTests
{
    private const int MiB = 1 << 20;

    [Fact]
    public async Task Write_then_read_returns_the_written_bytes_across_chunks()
    {
        using var store = new MemoryBackstore("m", 8L * MiB);
        byte[] data = TestData.Pattern(MiB + 8192);

        await store.WriteAsync(MiB - 4096, data, forceUnitAccess: true, Token);
        var back = new byte[data.Length];
        await store.ReadAsync(MiB - 4096, back, Token);

        Assert.Equal(data, back);
    }

    [Fact]
    public async Task Unwritten_store_reads_zeros_and_allocates_no_chunks()
    {
        using var store = new MemoryBackstore("m", 1L << 40);
        byte[] back = TestData.Pattern(8192);

        await store.ReadAsync((1L << 40) - 8192, back, Token);

        Assert.True(TestData.IsAllZero(back));
        Assert.Equal(0, store.AllocatedBytes);
    }

    [Fact]
    public async Task Write_allocates_only_the_chunk_it_touches()
    {
        using var store = new MemoryBackstore("m", 64L * MiB);

        await store.WriteAsync(10L * MiB + 512, new byte[512], forceUnitAccess: false, Token);

        Assert.Equal(MemoryBackstore.ChunkSize, store.AllocatedBytes);
    }

    [Fact]
    public async Task Last_chunk_is_no_larger_than_what_is_left_of_the_store()
    {
        using var store = new MemoryBackstore("m", MiB + 4096);

        await store.WriteAsync(MiB, TestData.Pattern(4096), forceUnitAccess: false, Token);

        Assert.Equal(4096, store.AllocatedBytes);
    }

    [Fact]
    public async Task Unmap_of_a_whole_chunk_frees_it_and_it_reads_zero()
    {
        using var store = new MemoryBackstore("m", 4L * MiB);
        await store.WriteAsync(0, TestData.Pattern(2 * MiB), forceUnitAccess: false, Token);

        await store.UnmapAsync(MiB, MiB, Token);

        Assert.Equal(MiB, store.AllocatedBytes);
        var back = new byte[MiB];
        await store.ReadAsync(MiB, back, Token);
        Assert.True(TestData.IsAllZero(back));
    }

    [Fact]
    public async Task Unmap_of_part_of_a_chunk_zeroes_that_part_and_keeps_the_rest()
    {
        using var store = new MemoryBackstore("m", 2L * MiB);
        byte[] data = TestData.Pattern(MiB);
        await store.WriteAsync(0, data, forceUnitAccess: false, Token);

        await store.UnmapAsync(4096, 8192, Token);

        var back = new byte[MiB];
        await store.ReadAsync(0, back, Token);
        Assert.Equal(data.AsSpan(0, 4096).ToArray(), back.AsSpan(0, 4096).ToArray());
        Assert.True(TestData.IsAllZero(back.AsSpan(4096, 8192)));
        Assert.Equal(data.AsSpan(12288).ToArray(), back.AsSpan(12288).ToArray());
        Assert.Equal(MiB, store.AllocatedBytes);
    }

    [Fact]
    public async Task Unmap_spanning_chunks_frees_the_covered_ones_and_zeroes_the_edges()
    {
        using var store = new MemoryBackstore("m", 4L * MiB);
        await store.WriteAsync(0, TestData.Pattern(4 * MiB), forceUnitAccess: false, Token);

        await store.UnmapAsync(MiB - 4096, (2L * MiB) + 8192, Token);

        Assert.Equal(2L * MiB, store.AllocatedBytes);
        var back = new byte[(2 * MiB) + 8192];
        await store.ReadAsync(MiB - 4096, back, Token);
        Assert.True(TestData.IsAllZero(back));
    }

    [Fact]
    public async Task Allocation_status_follows_the_chunk_map()
    {
        using var store = new MemoryBackstore("m", 8L * MiB);
        await store.WriteAsync(2L * MiB, new byte[512], forceUnitAccess: false, Token);
        await store.WriteAsync(3L * MiB, new byte[512], forceUnitAccess: false, Token);

        Assert.Equal(new AllocationExtent(0, 2L * MiB, IsMapped: false), await store.GetAllocationAsync(0, 8L * MiB, Token));
        Assert.Equal(new AllocationExtent(2L * MiB, 2L * MiB, IsMapped: true), await store.GetAllocationAsync(2L * MiB, 8L * MiB, Token));
        Assert.Equal(new AllocationExtent(3L * MiB + 512, MiB - 512, IsMapped: true), await store.GetAllocationAsync(3L * MiB + 512, 8L * MiB, Token));
        Assert.Equal(new AllocationExtent(4L * MiB, 4096, IsMapped: false), await store.GetAllocationAsync(4L * MiB, 4096, Token));
        Assert.Equal(new AllocationExtent(4L * MiB, 4L * MiB, IsMapped: false), await store.GetAllocationAsync(4L * MiB, long.MaxValue, Token));
    }

    [Fact]
    public async Task Unmapped_chunk_is_reported_deallocated()
    {
        using var store = new MemoryBackstore("m", 2L * MiB);
        await store.WriteAsync(0, new byte[512], forceUnitAccess: false, Token);

        await store.UnmapAsync(0, MiB, Token);

        Assert.Equal(new AllocationExtent(0, 2L * MiB, IsMapped: false), await store.GetAllocationAsync(0, 2L * MiB, Token));
    }

    [Fact]
    public async Task Read_only_store_refuses_writes_and_unmaps_with_write_protected()
    {
        using var store = new MemoryBackstore("m", MiB, readOnly: true);

        var write = await Assert.ThrowsAsync<BackstoreException>(async () => await store.WriteAsync(0, new byte[512], forceUnitAccess: false, Token));
        var unmap = await Assert.ThrowsAsync<BackstoreException>(async () => await store.UnmapAsync(0, 512, Token));

        Assert.True(store.IsReadOnly);
        Assert.Equal(BackstoreError.WriteProtected, write.Error);
        Assert.Equal(BackstoreError.WriteProtected, unmap.Error);
    }

    [Theory]
    [InlineData(-512, 512)]
    [InlineData(MiB, 512)]
    [InlineData(MiB - 512, 1024)]
    public async Task Io_outside_the_store_is_out_of_range(long offset, int length)
    {
        using var store = new MemoryBackstore("m", MiB);

        var read = await Assert.ThrowsAsync<BackstoreException>(async () => await store.ReadAsync(offset, new byte[length], Token));
        var write = await Assert.ThrowsAsync<BackstoreException>(async () => await store.WriteAsync(offset, new byte[length], forceUnitAccess: false, Token));
        var unmap = await Assert.ThrowsAsync<BackstoreException>(async () => await store.UnmapAsync(offset, length, Token));

        Assert.Equal(BackstoreError.OutOfRange, read.Error);
        Assert.Equal(BackstoreError.OutOfRange, write.Error);
        Assert.Equal(BackstoreError.OutOfRange, unmap.Error);
        Assert.Equal(0, store.AllocatedBytes);
    }

    [Fact]
    public async Task Allocation_query_at_the_end_is_out_of_range()
    {
        using var store = new MemoryBackstore("m", MiB);

        var ex = await Assert.ThrowsAsync<BackstoreException>(async () => await store.GetAllocationAsync(MiB, 512, Token));

        Assert.Equal(BackstoreError.OutOfRange, ex.Error);
    }

    [Fact]
    public async Task Concurrent_writers_to_different_chunks_all_land()
    {
        const int writers = 8;
        using var store = new MemoryBackstore("m", writers * (long)MiB);
        RunOnThreads(writers, w =>
        {
            byte[] data = TestData.Pattern(4096, seed: w);
            for (int i = 0; i < MiB / 4096; i++)
            {
                WriteSynchronously(store, ((long)w * MiB) + (i * 4096L), data);
            }
        });

        var back = new byte[4096];
        for (int w = 0; w < writers; w++)
        {
            for (int i = 0; i < MiB / 4096; i += 37)
            {
                await store.ReadAsync(((long)w * MiB) + (i * 4096L), back, Token);
                Assert.Equal(TestData.Pattern(4096, seed: w), back);
            }
        }

        Assert.Equal(writers * (long)MiB, store.AllocatedBytes);
    }

    [Fact]
    public async Task Concurrent_first_writes_to_one_chunk_all_land()
    {
        // Every writer races to create the same chunk; a lost race must not lose the loser's data.
        const int writers = 16;
        for (int round = 0; round < 50; round++)
        {
            using var store = new MemoryBackstore("m", MiB);
            RunOnThreads(writers, w => WriteSynchronously(store, w * 4096L, TestData.Pattern(4096, seed: w)));

            var back = new byte[4096];
            for (int w = 0; w < writers; w++)
            {
                await store.ReadAsync(w * 4096L, back, Token);
                Assert.Equal(TestData.Pattern(4096, seed: w), back);
            }

            Assert.Equal(MiB, store.AllocatedBytes);
        }
    }

    [Fact]
    public void Read_and_write_of_4_KiB_to_an_existing_chunk_allocate_nothing()
    {
        using var store = new MemoryBackstore("m", 16L * MiB);
        Memory<byte> buffer = GC.AllocateArray<byte>(4096, pinned: true);
        TestData.Pattern(4096).CopyTo(buffer);
        CancellationToken token = Token;

        // The warm-up also creates every chunk the measured run touches.
        FileBackstoreTests.RunReadsAndWrites(store, buffer, 10_000, token);
        long before = GC.GetAllocatedBytesForCurrentThread();
        FileBackstoreTests.RunReadsAndWrites(store, buffer, 10_000, token);

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Identity_comes_from_the_name()
    {
        using var a = new MemoryBackstore("disk-a", MiB);
        using var again = new MemoryBackstore("disk-a", 2L * MiB);
        using var b = new MemoryBackstore("disk-b", MiB);

        Assert.Equal(BackstoreIdentity.FromString("memory:disk-a"), a.Identity);
        Assert.Equal(a.Identity, again.Identity);
        Assert.NotEqual(a.Identity, b.Identity);
    }

    [Theory]
    [InlineData(0, 512)]
    [InlineData(1000, 512)]
    [InlineData(4096, 1000)]
    public void Invalid_size_or_block_size_is_an_argument_error(long length, int blockSize)
    {
        Assert.Throws<ArgumentException>(() => new MemoryBackstore("m", length, blockSize));
    }

    [Fact]
    public async Task Operations_after_dispose_throw_object_disposed()
    {
        var store = new MemoryBackstore("m", MiB);
        await store.WriteAsync(0, new byte[512], forceUnitAccess: false, Token);
        store.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await store.ReadAsync(0, new byte[512], Token));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await store.WriteAsync(0, new byte[512], forceUnitAccess: false, Token));
        Assert.Equal(0, store.AllocatedBytes);
    }

    /// <summary>Runs <paramref name="body"/> on dedicated threads released together (the thread pool of a small CI
    /// machine would start them one by one), and rethrows the first failure.</summary>
    private static void RunOnThreads(int count, Action<int> body)
    {
        using var start = new Barrier(count);
        Exception? failure = null;
        var threads = new Thread[count];
        for (int t = 0; t < count; t++)
        {
            int index = t;
            threads[t] = new Thread(() =>
            {
                try
                {
                    start.SignalAndWait();
                    body(index);
                }
                catch (Exception ex)
                {
                    Interlocked.CompareExchange(ref failure, ex, null);
                }
            });
            threads[t].Start();
        }

        foreach (Thread thread in threads)
        {
            thread.Join();
        }

        if (failure is not null)
        {
            throw new InvalidOperationException("A writer thread failed.", failure);
        }
    }

    private static void WriteSynchronously(MemoryBackstore store, long offset, byte[] data)
    {
        ValueTask write = store.WriteAsync(offset, data, forceUnitAccess: false, CancellationToken.None);
        write.AsTask().GetAwaiter().GetResult();
    }
}
