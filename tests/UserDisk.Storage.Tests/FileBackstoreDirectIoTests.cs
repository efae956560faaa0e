using static UserDisk.Storage.Tests.TestEnvironment;

namespace UserDisk.Storage.Tests;

/// <summary>O_DIRECT on the temp directory's file system (the same as /work on the development machines).</summary>
public sealed class FileBackstoreDirectIoTests
{
    private const int MiB = 1 << 20;

    [Fact]
    public async Task Aligned_direct_io_round_trip_returns_the_written_bytes()
    {
        using var dir = new TempDirectory();
        using var store = OpenDirect(dir.File("disk.img"), blockSize: 4096);
        using var buffer = new AlignedBuffer(64 * 1024);
        TestData.Pattern(64 * 1024).CopyTo(buffer.GetSpan());

        await store.WriteAsync(8192, buffer.Memory, forceUnitAccess: true, Token);
        buffer.GetSpan().Clear();
        await store.ReadAsync(8192, buffer.Memory, Token);

        Assert.True(store.IsDirectIo);
        Assert.Equal(TestData.Pattern(64 * 1024), buffer.GetSpan().ToArray());
    }

    [Fact]
    public async Task Direct_io_writes_are_in_the_file()
    {
        using var dir = new TempDirectory();
        string path = dir.File("disk.img");
        using (var store = OpenDirect(path, blockSize: 4096))
        {
            using var buffer = new AlignedBuffer(4096);
            TestData.Pattern(4096, seed: 9).CopyTo(buffer.GetSpan());
            await store.WriteAsync(4096, buffer.Memory, forceUnitAccess: false, Token);
        }

        Assert.Equal(TestData.Pattern(4096, seed: 9), File.ReadAllBytes(path).AsSpan(4096, 4096).ToArray());
    }

    [Fact]
    public async Task Direct_io_refuses_a_buffer_not_on_a_page_boundary_with_invalid_argument()
    {
        using var dir = new TempDirectory();
        using var store = OpenDirect(dir.File("disk.img"), blockSize: 512);
        using var buffer = new AlignedBuffer(3 * 4096);
        Memory<byte> misaligned = buffer.Memory.Slice(512, 4096);

        var read = await Assert.ThrowsAsync<BackstoreException>(async () => await store.ReadAsync(0, misaligned, Token));
        var write = await Assert.ThrowsAsync<BackstoreException>(async () => await store.WriteAsync(0, misaligned, forceUnitAccess: false, Token));

        Assert.Equal(BackstoreError.InvalidArgument, read.Error);
        Assert.Equal(BackstoreError.InvalidArgument, write.Error);
        Assert.Contains("not aligned to 4096 bytes", read.Message, StringComparison.Ordinal);
        Assert.Contains("O_DIRECT", read.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Direct_io_refuses_a_length_that_is_not_whole_blocks_with_invalid_argument()
    {
        using var dir = new TempDirectory();
        using var store = OpenDirect(dir.File("disk.img"), blockSize: 4096);
        using var buffer = new AlignedBuffer(8192);

        var ex = await Assert.ThrowsAsync<BackstoreException>(async () => await store.ReadAsync(0, buffer.Memory[..6144], Token));

        Assert.Equal(BackstoreError.InvalidArgument, ex.Error);
        Assert.Contains("length 6144 is not a multiple of the block size 4096", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Direct_io_refuses_an_offset_that_is_not_whole_blocks_with_invalid_argument()
    {
        using var dir = new TempDirectory();
        using var store = OpenDirect(dir.File("disk.img"), blockSize: 4096);
        using var buffer = new AlignedBuffer(4096);

        var ex = await Assert.ThrowsAsync<BackstoreException>(async () => await store.WriteAsync(512, buffer.Memory, forceUnitAccess: false, Token));

        Assert.Equal(BackstoreError.InvalidArgument, ex.Error);
        Assert.Contains("offset 512", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Direct_io_with_512_byte_blocks_moves_single_blocks_from_page_aligned_buffers()
    {
        // The buffer address must be page-aligned, but the length only whole blocks: a one-block READ(10) on a
        // 512-byte LUN must work (the kernel needs the logical sector size, checked at open via STATX_DIOALIGN).
        using var dir = new TempDirectory();
        using var store = OpenDirect(dir.File("disk.img"), blockSize: 512);
        using var buffer = new AlignedBuffer(4096);
        TestData.Pattern(512, seed: 5).CopyTo(buffer.GetSpan());

        await store.WriteAsync(1536, buffer.Memory[..512], forceUnitAccess: false, Token);
        buffer.GetSpan().Clear();
        await store.ReadAsync(1536, buffer.Memory[..512], Token);

        Assert.Equal(TestData.Pattern(512, seed: 5), buffer.GetSpan()[..512].ToArray());
    }

    [Fact]
    public async Task Direct_io_unmap_and_allocation_work_as_without_it()
    {
        using var dir = new TempDirectory();
        using var store = OpenDirect(dir.File("disk.img"), blockSize: 4096);
        using var buffer = new AlignedBuffer(64 * 1024);
        TestData.Pattern(64 * 1024).CopyTo(buffer.GetSpan());
        await store.WriteAsync(0, buffer.Memory, forceUnitAccess: false, Token);

        await store.UnmapAsync(0, 64 * 1024, Token);

        await store.ReadAsync(0, buffer.Memory, Token);
        Assert.True(TestData.IsAllZero(buffer.GetSpan()));
        Assert.False((await store.GetAllocationAsync(0, MiB, Token)).IsMapped);
    }

    [Fact]
    public void Direct_io_read_and_write_of_4_KiB_allocate_nothing()
    {
        using var dir = new TempDirectory();
        using var store = OpenDirect(dir.File("disk.img"), blockSize: 4096);
        using var buffer = new AlignedBuffer(4096);
        CancellationToken token = Token;

        FileBackstoreTests.RunReadsAndWrites(store, buffer.Memory, 200, token);
        long before = GC.GetAllocatedBytesForCurrentThread();
        FileBackstoreTests.RunReadsAndWrites(store, buffer.Memory, 10_000, token);

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static FileBackstore OpenDirect(string path, int blockSize)
    {
        try
        {
            return FileBackstore.Open(new FileBackstoreOptions { Path = path, Size = 4L * MiB, BlockSize = blockSize, DirectIo = true });
        }
        catch (BackstoreException ex) when (ex.Error == BackstoreError.InvalidArgument && ex.Message.Contains("O_DIRECT", StringComparison.Ordinal))
        {
            // The file system refuses direct I/O: that is reported clearly, which is all this machine can show.
            Assert.Contains("refuses direct I/O", ex.Message, StringComparison.Ordinal);
            Unavailable($"the temp file system refuses O_DIRECT: {ex.Message}");
            throw;
        }
    }
}
