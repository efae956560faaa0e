using static UserDisk.Storage.Tests.TestEnvironment;

namespace UserDisk.Storage.Tests;

public sealed class NullBackstoreTests
{
    private const int MiB = 1 << 20;

    [Fact]
    public async Task Reads_return_zeros_even_after_a_write()
    {
        using var store = new NullBackstore("n", MiB);
        await store.WriteAsync(0, TestData.Pattern(4096), forceUnitAccess: true, Token);
        byte[] back = TestData.Pattern(4096, seed: 2);

        await store.ReadAsync(0, back, Token);

        Assert.True(TestData.IsAllZero(back));
    }

    [Fact]
    public async Task Everything_is_reported_unmapped()
    {
        using var store = new NullBackstore("n", 4L * MiB, blockSize: 4096);
        await store.WriteAsync(0, TestData.Pattern(4096), forceUnitAccess: false, Token);

        Assert.Equal(new AllocationExtent(0, 4L * MiB, IsMapped: false), await store.GetAllocationAsync(0, long.MaxValue, Token));
        Assert.True(store.SupportsUnmap);
        Assert.True(store.UnmappedReadsZero);
        Assert.Equal(4096, store.BlockSize);
        Assert.Equal(4L * MiB, store.Length);
    }

    [Fact]
    public async Task Io_outside_the_store_is_out_of_range()
    {
        using var store = new NullBackstore("n", MiB);

        var read = await Assert.ThrowsAsync<BackstoreException>(async () => await store.ReadAsync(MiB, new byte[512], Token));
        var write = await Assert.ThrowsAsync<BackstoreException>(async () => await store.WriteAsync(-512, new byte[512], forceUnitAccess: false, Token));
        var unmap = await Assert.ThrowsAsync<BackstoreException>(async () => await store.UnmapAsync(MiB - 512, 1024, Token));

        Assert.Equal(BackstoreError.OutOfRange, read.Error);
        Assert.Equal(BackstoreError.OutOfRange, write.Error);
        Assert.Equal(BackstoreError.OutOfRange, unmap.Error);
    }

    [Fact]
    public void Identity_comes_from_the_name_and_differs_from_a_memory_store_of_that_name()
    {
        using var store = new NullBackstore("disk", MiB);
        using var memory = new MemoryBackstore("disk", MiB);

        Assert.Equal(BackstoreIdentity.FromString("null:disk"), store.Identity);
        Assert.NotEqual(memory.Identity, store.Identity);
    }
}
