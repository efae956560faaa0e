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

    [Theory]
    [InlineData(4096)]
    [InlineData((2 * FileBackstore.BounceBufferSize) + (3 * 4096))]
    public async Task Direct_io_bounces_buffers_not_on_a_page_boundary_and_round_trips_the_bytes(int length)
    {
        // As the iSCSI front end's pooled arrays are: whole blocks, but at any address. The larger length takes
        // three bounce chunks, the last one partial, so a chunk copied to or from the wrong place shows.
        using var dir = new TempDirectory();
        string path = dir.File("disk.img");
        const long Offset = 3 * 4096;
        byte[] data = RandomBytes(length, seed: length);
        using (var store = OpenDirect(path, blockSize: 4096, size: 8L * MiB))
        {
            using var written = new AlignedBuffer(length + 4096);
            using var read = new AlignedBuffer(length + 4096);
            data.CopyTo(written.GetSpan()[512..]);

            await store.WriteAsync(Offset, written.Memory.Slice(512, length), forceUnitAccess: true, Token);
            await store.ReadAsync(Offset, read.Memory.Slice(8, length), Token);

            Assert.Equal(data, read.GetSpan().Slice(8, length).ToArray());
            Assert.True(TestData.IsAllZero(read.GetSpan()[..8]));
            Assert.True(TestData.IsAllZero(read.GetSpan()[(8 + length)..]));
            Assert.Equal(2, store.BouncedIoCount);
        }

        byte[] file = File.ReadAllBytes(path);
        Assert.Equal(data, file.AsSpan((int)Offset, length).ToArray());
        Assert.True(TestData.IsAllZero(file.AsSpan(0, (int)Offset)));
        Assert.True(TestData.IsAllZero(file.AsSpan((int)Offset + length)));
    }

    [Fact]
    public async Task Direct_io_with_512_byte_blocks_bounces_a_single_block_from_a_buffer_off_the_page_boundary()
    {
        using var dir = new TempDirectory();
        using var store = OpenDirect(dir.File("disk.img"), blockSize: 512);
        using var buffer = new AlignedBuffer(3 * 4096);
        Memory<byte> misaligned = buffer.Memory.Slice(512, 512);
        TestData.Pattern(512, seed: 3).CopyTo(misaligned);

        await store.WriteAsync(7 * 512, misaligned, forceUnitAccess: false, Token);
        misaligned.Span.Clear();
        await store.ReadAsync(7 * 512, misaligned, Token);

        Assert.Equal(TestData.Pattern(512, seed: 3), misaligned.ToArray());
        Assert.Equal(2, store.BouncedIoCount);
    }

    [Fact]
    public async Task Direct_io_bounced_read_past_the_end_of_a_file_truncated_after_open_returns_zeros()
    {
        using var dir = new TempDirectory();
        string path = dir.File("disk.img");
        using var store = OpenDirect(path, blockSize: 4096);
        using var buffer = new AlignedBuffer(4 * 4096);
        Memory<byte> misaligned = buffer.Memory.Slice(8, 2 * 4096);
        TestData.Pattern(2 * 4096, seed: 4).CopyTo(misaligned);
        await store.WriteAsync(0, misaligned, forceUnitAccess: false, Token);
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            stream.SetLength(4096);
        }

        misaligned.Span.Fill(0xff);
        await store.ReadAsync(0, misaligned, Token);

        Assert.Equal(TestData.Pattern(4096, seed: 4), misaligned[..4096].ToArray());
        Assert.True(TestData.IsAllZero(misaligned.Span[4096..]));
        Assert.Equal(2, store.BouncedIoCount);
    }

    [Fact]
    public async Task Only_buffers_off_the_page_boundary_are_bounced()
    {
        using var dir = new TempDirectory();
        using var store = OpenDirect(dir.File("disk.img"), blockSize: 4096);
        using var buffer = new AlignedBuffer(2 * 4096);

        await store.WriteAsync(0, buffer.Memory[..4096], forceUnitAccess: false, Token);
        await store.ReadAsync(0, buffer.Memory[..4096], Token);
        Assert.Equal(0, store.BouncedIoCount);

        await store.WriteAsync(0, buffer.Memory.Slice(8, 4096), forceUnitAccess: false, Token);
        Assert.Equal(1, store.BouncedIoCount);
        await store.ReadAsync(0, buffer.Memory.Slice(2048, 4096), Token);
        Assert.Equal(2, store.BouncedIoCount);
    }

    [Fact]
    public async Task Buffered_io_never_bounces()
    {
        using var dir = new TempDirectory();
        using var store = FileBackstore.Open(new FileBackstoreOptions { Path = dir.File("disk.img"), Size = MiB });
        using var buffer = new AlignedBuffer(2 * 4096);

        await store.WriteAsync(0, buffer.Memory.Slice(8, 4096), forceUnitAccess: false, Token);
        await store.ReadAsync(0, buffer.Memory.Slice(8, 4096), Token);

        Assert.False(store.IsDirectIo);
        Assert.Equal(0, store.BouncedIoCount);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(8)]
    public async Task Direct_io_refuses_a_length_that_is_not_whole_blocks_with_invalid_argument(int bufferOffset)
    {
        using var dir = new TempDirectory();
        using var store = OpenDirect(dir.File("disk.img"), blockSize: 4096);
        using var buffer = new AlignedBuffer(3 * 4096);

        var read = await Assert.ThrowsAsync<BackstoreException>(async () => await store.ReadAsync(0, buffer.Memory.Slice(bufferOffset, 6144), Token));
        var write = await Assert.ThrowsAsync<BackstoreException>(async () => await store.WriteAsync(0, buffer.Memory.Slice(bufferOffset, 6144), forceUnitAccess: false, Token));

        Assert.Equal(BackstoreError.InvalidArgument, read.Error);
        Assert.Contains("length 6144 is not a multiple of the block size 4096", read.Message, StringComparison.Ordinal);
        Assert.Contains("O_DIRECT", read.Message, StringComparison.Ordinal);
        Assert.Equal(BackstoreError.InvalidArgument, write.Error);
        Assert.Contains("length 6144 is not a multiple of the block size 4096", write.Message, StringComparison.Ordinal);
        Assert.Equal(0, store.BouncedIoCount);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(8)]
    public async Task Direct_io_refuses_an_offset_that_is_not_whole_blocks_with_invalid_argument(int bufferOffset)
    {
        using var dir = new TempDirectory();
        using var store = OpenDirect(dir.File("disk.img"), blockSize: 4096);
        using var buffer = new AlignedBuffer(2 * 4096);

        var write = await Assert.ThrowsAsync<BackstoreException>(async () => await store.WriteAsync(512, buffer.Memory.Slice(bufferOffset, 4096), forceUnitAccess: false, Token));
        var read = await Assert.ThrowsAsync<BackstoreException>(async () => await store.ReadAsync(512, buffer.Memory.Slice(bufferOffset, 4096), Token));

        Assert.Equal(BackstoreError.InvalidArgument, write.Error);
        Assert.Contains("offset 512", write.Message, StringComparison.Ordinal);
        Assert.Equal(BackstoreError.InvalidArgument, read.Error);
        Assert.Contains("offset 512", read.Message, StringComparison.Ordinal);
        Assert.Equal(0, store.BouncedIoCount);
    }

    [Fact]
    public async Task Direct_io_with_512_byte_blocks_moves_single_blocks_from_page_aligned_buffers()
    {
        // A page-aligned buffer goes to the kernel as it is, though the length is only whole blocks: a one-block
        // READ(10) on a 512-byte LUN must work (the kernel needs the logical sector size, checked at open via
        // STATX_DIOALIGN).
        using var dir = new TempDirectory();
        using var store = OpenDirect(dir.File("disk.img"), blockSize: 512);
        using var buffer = new AlignedBuffer(4096);
        TestData.Pattern(512, seed: 5).CopyTo(buffer.GetSpan());

        await store.WriteAsync(1536, buffer.Memory[..512], forceUnitAccess: false, Token);
        buffer.GetSpan().Clear();
        await store.ReadAsync(1536, buffer.Memory[..512], Token);

        Assert.Equal(TestData.Pattern(512, seed: 5), buffer.GetSpan()[..512].ToArray());
        Assert.Equal(0, store.BouncedIoCount);
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
        Assert.Equal(0, store.BouncedIoCount);
    }

    [Fact]
    public void Bounced_direct_io_read_and_write_of_4_KiB_allocate_nothing()
    {
        using var dir = new TempDirectory();
        using var store = OpenDirect(dir.File("disk.img"), blockSize: 4096);
        using var buffer = new AlignedBuffer(2 * 4096);
        Memory<byte> misaligned = buffer.Memory.Slice(8, 4096);
        CancellationToken token = Token;

        // Warm up: JIT, tiering, and the first bounce buffer (native, then reused).
        FileBackstoreTests.RunReadsAndWrites(store, misaligned, 200, token);
        long before = GC.GetAllocatedBytesForCurrentThread();
        FileBackstoreTests.RunReadsAndWrites(store, misaligned, 10_000, token);

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(2 * 10_200, store.BouncedIoCount);
    }

    private static byte[] RandomBytes(int length, int seed)
    {
        // Not TestData.Pattern: that repeats every 64 KiB, so a whole bounce chunk put in the wrong place would match.
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static FileBackstore OpenDirect(string path, int blockSize, long size = 4L * MiB)
    {
        try
        {
            return FileBackstore.Open(new FileBackstoreOptions { Path = path, Size = size, BlockSize = blockSize, DirectIo = true });
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
