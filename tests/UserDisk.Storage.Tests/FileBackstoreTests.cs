using static UserDisk.Storage.Tests.TestEnvironment;

namespace UserDisk.Storage.Tests;

public sealed class FileBackstoreTests
{
    private const int MiB = 1 << 20;

    [Fact]
    public async Task Write_then_read_returns_the_written_bytes()
    {
        using var dir = new TempDirectory();
        using var store = FileBackstore.Open(new FileBackstoreOptions { Path = dir.File("disk.img"), Size = MiB });
        byte[] data = TestData.Pattern(64 * 1024);

        await store.WriteAsync(4096, data, forceUnitAccess: false, Token);
        var back = new byte[data.Length];
        await store.ReadAsync(4096, back, Token);

        Assert.Equal(data, back);
    }

    [Fact]
    public async Task A_file_grown_behind_the_store_is_taken_at_the_next_refresh_and_a_shrink_is_not()
    {
        using var dir = new TempDirectory();
        string path = dir.File("disk.img");
        using var store = FileBackstore.Open(new FileBackstoreOptions { Path = path, Size = MiB, Create = true });
        Assert.Equal(MiB, store.RefreshLength());

        // An operator's resize; a tail that is not a whole block is not offered.
        File.SetAttributes(path, FileAttributes.Normal);
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            file.SetLength((2 * MiB) + 100);
        }

        Assert.Equal(MiB, store.Length);
        Assert.Equal(2 * MiB, store.RefreshLength());
        Assert.Equal(2 * MiB, store.Length);
        byte[] data = TestData.Pattern(4096);
        await store.WriteAsync((2 * MiB) - 4096, data, forceUnitAccess: false, Token);

        using (var file = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            file.SetLength(MiB);
        }

        Assert.Equal(2 * MiB, store.RefreshLength());
    }

    [Fact]
    public async Task Writes_reach_the_file_itself()
    {
        using var dir = new TempDirectory();
        string path = dir.File("disk.img");
        byte[] data = TestData.Pattern(4096);
        using (var store = FileBackstore.Open(new FileBackstoreOptions { Path = path, Size = MiB }))
        {
            await store.WriteAsync(8192, data, forceUnitAccess: false, Token);
        }

        Assert.Equal(data, File.ReadAllBytes(path).AsSpan(8192, 4096).ToArray());
    }

    [Fact]
    public async Task Fua_write_is_readable_from_a_new_open()
    {
        using var dir = new TempDirectory();
        string path = dir.File("disk.img");
        byte[] data = TestData.Pattern(4096, seed: 3);
        using var store = FileBackstore.Open(new FileBackstoreOptions { Path = path, Size = MiB });

        await store.WriteAsync(0, data, forceUnitAccess: true, Token);

        using var other = FileBackstore.Open(new FileBackstoreOptions { Path = path, ReadOnly = true });
        var back = new byte[4096];
        await other.ReadAsync(0, back, Token);
        Assert.Equal(data, back);
    }

    [Fact]
    public async Task Flush_of_the_whole_store_and_of_a_range_succeeds()
    {
        using var dir = new TempDirectory();
        using var store = FileBackstore.Open(new FileBackstoreOptions { Path = dir.File("disk.img"), Size = MiB });
        await store.WriteAsync(0, TestData.Pattern(4096), forceUnitAccess: false, Token);

        await store.FlushAsync(0, 0, Token);
        await store.FlushAsync(4096, 8192, Token);
    }

    [Fact]
    public async Task Flush_beyond_the_end_is_out_of_range()
    {
        using var dir = new TempDirectory();
        using var store = FileBackstore.Open(new FileBackstoreOptions { Path = dir.File("disk.img"), Size = MiB });

        var ex = await Assert.ThrowsAsync<BackstoreException>(async () => await store.FlushAsync(MiB - 512, 1024, Token));

        Assert.Equal(BackstoreError.OutOfRange, ex.Error);
    }

    [Fact]
    public async Task Missing_file_with_a_size_is_created_sparse()
    {
        using var dir = new TempDirectory();
        string path = dir.File("new.img");

        using var store = FileBackstore.Open(new FileBackstoreOptions { Path = path, Size = 64L * MiB });

        Assert.Equal(64L * MiB, store.Length);
        Assert.Equal(64L * MiB, new FileInfo(path).Length);
        Assert.Equal(new AllocationExtent(0, 64L * MiB, IsMapped: false), await store.GetAllocationAsync(0, 64L * MiB, Token));
    }

    [Fact]
    public void Missing_file_without_a_size_is_not_ready()
    {
        using var dir = new TempDirectory();

        var ex = Assert.Throws<BackstoreException>(() => FileBackstore.Open(new FileBackstoreOptions { Path = dir.File("absent.img") }));

        Assert.Equal(BackstoreError.NotReady, ex.Error);
        Assert.Contains("does not exist", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Existing_file_keeps_its_size_when_create_is_not_set()
    {
        using var dir = new TempDirectory();
        string path = dir.FileWithPattern("disk.img", 8192);

        using var store = FileBackstore.Open(new FileBackstoreOptions { Path = path, Size = MiB });

        Assert.Equal(8192, store.Length);
        Assert.Equal(8192, new FileInfo(path).Length);
    }

    [Fact]
    public async Task Create_extends_a_smaller_file_and_keeps_its_data()
    {
        using var dir = new TempDirectory();
        string path = dir.FileWithPattern("disk.img", 8192);

        using var store = FileBackstore.Open(new FileBackstoreOptions { Path = path, Size = 4L * MiB, Create = true });

        Assert.Equal(4L * MiB, store.Length);
        var back = new byte[8192];
        await store.ReadAsync(0, back, Token);
        Assert.Equal(TestData.Pattern(8192), back);
        Assert.False((await store.GetAllocationAsync(MiB, MiB, Token)).IsMapped);
    }

    [Fact]
    public void Create_refuses_to_shrink_a_larger_file()
    {
        using var dir = new TempDirectory();
        string path = dir.FileWithPattern("disk.img", 16384);

        var ex = Assert.Throws<BackstoreException>(() => FileBackstore.Open(new FileBackstoreOptions { Path = path, Size = 8192, Create = true }));

        Assert.Equal(BackstoreError.InvalidArgument, ex.Error);
        Assert.Contains("refusing to shrink", ex.Message, StringComparison.Ordinal);
        Assert.Equal(16384, new FileInfo(path).Length);
    }

    [Fact]
    public void Length_is_the_file_size_rounded_down_to_whole_blocks()
    {
        using var dir = new TempDirectory();
        string path = dir.FileWithPattern("disk.img", 10000);

        using var store = FileBackstore.Open(new FileBackstoreOptions { Path = path, BlockSize = 4096 });

        Assert.Equal(8192, store.Length);
        Assert.Equal(4096, store.BlockSize);
    }

    [Fact]
    public void File_smaller_than_one_block_is_refused()
    {
        using var dir = new TempDirectory();
        string path = dir.FileWithPattern("tiny.img", 100);

        var ex = Assert.Throws<BackstoreException>(() => FileBackstore.Open(new FileBackstoreOptions { Path = path }));

        Assert.Equal(BackstoreError.InvalidArgument, ex.Error);
    }

    [Fact]
    public async Task Reading_past_the_end_of_a_file_truncated_after_open_returns_zeros()
    {
        using var dir = new TempDirectory();
        string path = dir.FileWithPattern("disk.img", 16384);
        using var store = FileBackstore.Open(new FileBackstoreOptions { Path = path });
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            stream.SetLength(4096 + 100);
        }

        var back = new byte[8192];
        await store.ReadAsync(4096, back, Token);

        Assert.Equal(TestData.Pattern(16384).AsSpan(4096, 100).ToArray(), back.AsSpan(0, 100).ToArray());
        Assert.True(TestData.IsAllZero(back.AsSpan(100)));
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(0)]
    [InlineData(8192)]
    public void Unsupported_block_size_is_an_argument_error_naming_it(int blockSize)
    {
        using var dir = new TempDirectory();

        var ex = Assert.Throws<ArgumentException>(() => FileBackstore.Open(new FileBackstoreOptions { Path = dir.File("x.img"), Size = MiB, BlockSize = blockSize }));

        Assert.Equal("BlockSize", ex.ParamName);
    }

    [Fact]
    public void Size_that_is_not_a_multiple_of_the_block_size_is_an_argument_error()
    {
        using var dir = new TempDirectory();

        var ex = Assert.Throws<ArgumentException>(() => FileBackstore.Open(new FileBackstoreOptions { Path = dir.File("x.img"), Size = 1000 }));

        Assert.Equal("Size", ex.ParamName);
    }

    [Fact]
    public void Directory_is_refused()
    {
        using var dir = new TempDirectory();

        var ex = Assert.Throws<BackstoreException>(() => FileBackstore.Open(new FileBackstoreOptions { Path = dir.Path, ReadOnly = true }));

        Assert.Equal(BackstoreError.InvalidArgument, ex.Error);
    }

    [Fact]
    public async Task Configured_read_only_refuses_writes_with_write_protected()
    {
        using var dir = new TempDirectory();
        string path = dir.FileWithPattern("disk.img", 8192);
        using var store = FileBackstore.Open(new FileBackstoreOptions { Path = path, ReadOnly = true });

        var ex = await Assert.ThrowsAsync<BackstoreException>(async () => await store.WriteAsync(0, new byte[512], forceUnitAccess: false, Token));

        Assert.True(store.IsReadOnly);
        Assert.Equal(BackstoreError.WriteProtected, ex.Error);
        Assert.Equal(TestData.Pattern(8192), File.ReadAllBytes(path));
    }

    [Fact]
    public async Task Configured_read_only_refuses_unmap_with_write_protected()
    {
        using var dir = new TempDirectory();
        using var store = FileBackstore.Open(new FileBackstoreOptions { Path = dir.FileWithPattern("disk.img", 8192), ReadOnly = true });

        var ex = await Assert.ThrowsAsync<BackstoreException>(async () => await store.UnmapAsync(0, 4096, Token));

        Assert.False(store.SupportsUnmap);
        Assert.Equal(BackstoreError.WriteProtected, ex.Error);
    }

    [Fact]
    public async Task Configured_read_only_still_reads()
    {
        using var dir = new TempDirectory();
        using var store = FileBackstore.Open(new FileBackstoreOptions { Path = dir.FileWithPattern("disk.img", 8192), ReadOnly = true });

        var back = new byte[8192];
        await store.ReadAsync(0, back, Token);

        Assert.Equal(TestData.Pattern(8192), back);
    }

    [Fact]
    public async Task File_that_cannot_be_opened_for_writing_is_served_read_only()
    {
        using var dir = new TempDirectory();
        string path = dir.FileWithPattern("disk.img", 8192);

        // Root ignores permission bits, so as root the file is made immutable (chattr +i), which refuses O_RDWR
        // with EPERM even to root; as anyone else, mode 0444 refuses it with EACCES.
        bool immutable = IsRoot;
        if (immutable)
        {
            var (exitCode, output) = Run("chattr", "+i", path);
            if (exitCode != 0)
            {
                Unavailable($"running as root and 'chattr +i' failed ({output}), so no file here is unwritable", requiredOnCi: false);
            }
        }
        else
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }

        try
        {
            using var store = FileBackstore.Open(new FileBackstoreOptions { Path = path });

            Assert.True(store.IsReadOnly);
            var ex = await Assert.ThrowsAsync<BackstoreException>(async () => await store.WriteAsync(0, new byte[512], forceUnitAccess: false, Token));
            Assert.Equal(BackstoreError.WriteProtected, ex.Error);
            var back = new byte[8192];
            await store.ReadAsync(0, back, Token);
            Assert.Equal(TestData.Pattern(8192), back);
        }
        finally
        {
            if (immutable)
            {
                Run("chattr", "-i", path);
            }
        }
    }

    [Theory]
    [InlineData(-512, 512)]
    [InlineData(MiB, 512)]
    [InlineData(MiB - 512, 1024)]
    [InlineData(long.MaxValue - 100, 512)]
    public async Task Read_outside_the_store_is_out_of_range(long offset, int length)
    {
        using var dir = new TempDirectory();
        using var store = FileBackstore.Open(new FileBackstoreOptions { Path = dir.File("disk.img"), Size = MiB });

        var ex = await Assert.ThrowsAsync<BackstoreException>(async () => await store.ReadAsync(offset, new byte[length], Token));

        Assert.Equal(BackstoreError.OutOfRange, ex.Error);
    }

    [Theory]
    [InlineData(-512, 512)]
    [InlineData(MiB, 512)]
    [InlineData(MiB - 512, 1024)]
    public async Task Write_outside_the_store_is_out_of_range_and_does_not_grow_the_file(long offset, int length)
    {
        using var dir = new TempDirectory();
        string path = dir.File("disk.img");
        using var store = FileBackstore.Open(new FileBackstoreOptions { Path = path, Size = MiB });

        var ex = await Assert.ThrowsAsync<BackstoreException>(async () => await store.WriteAsync(offset, new byte[length], forceUnitAccess: false, Token));

        Assert.Equal(BackstoreError.OutOfRange, ex.Error);
        Assert.Equal(MiB, new FileInfo(path).Length);
    }

    [Fact]
    public async Task Unmap_outside_the_store_is_out_of_range()
    {
        using var dir = new TempDirectory();
        using var store = FileBackstore.Open(new FileBackstoreOptions { Path = dir.File("disk.img"), Size = MiB });

        var ex = await Assert.ThrowsAsync<BackstoreException>(async () => await store.UnmapAsync(MiB - 4096, 8192, Token));

        Assert.Equal(BackstoreError.OutOfRange, ex.Error);
    }

    [Fact]
    public void Writable_regular_file_supports_unmap_and_reads_zeros_when_unmapped()
    {
        using var dir = new TempDirectory();
        using var store = FileBackstore.Open(new FileBackstoreOptions { Path = dir.File("disk.img"), Size = MiB });

        Assert.True(store.SupportsUnmap);
        Assert.True(store.UnmappedReadsZero);
        Assert.False(store.IsBlockDevice);
        Assert.False(store.IsReadOnly);
    }

    [Fact]
    public async Task Punch_hole_makes_range_read_zero_and_unmapped()
    {
        using var dir = new TempDirectory();
        using var store = FileBackstore.Open(new FileBackstoreOptions { Path = dir.File("disk.img"), Size = 4L * MiB, BlockSize = 4096 });
        await store.WriteAsync(0, TestData.Pattern(MiB), forceUnitAccess: false, Token);

        await store.UnmapAsync(256 * 1024, 128 * 1024, Token);

        var back = new byte[MiB];
        await store.ReadAsync(0, back, Token);
        Assert.True(TestData.IsAllZero(back.AsSpan(256 * 1024, 128 * 1024)));
        Assert.Equal(TestData.Pattern(MiB).AsSpan(0, 256 * 1024).ToArray(), back.AsSpan(0, 256 * 1024).ToArray());
        Assert.Equal(TestData.Pattern(MiB).AsSpan(384 * 1024).ToArray(), back.AsSpan(384 * 1024).ToArray());
        Assert.Equal(new AllocationExtent(0, 256 * 1024, IsMapped: true), await store.GetAllocationAsync(0, 4L * MiB, Token));
        Assert.Equal(new AllocationExtent(256 * 1024, 128 * 1024, IsMapped: false), await store.GetAllocationAsync(256 * 1024, 4L * MiB, Token));
        Assert.Equal(new AllocationExtent(384 * 1024, 640 * 1024, IsMapped: true), await store.GetAllocationAsync(384 * 1024, 4L * MiB, Token));
        Assert.Equal(new AllocationExtent(MiB, 3L * MiB, IsMapped: false), await store.GetAllocationAsync(MiB, 4L * MiB, Token));
    }

    [Fact]
    public async Task Punch_hole_keeps_the_file_size()
    {
        using var dir = new TempDirectory();
        string path = dir.File("disk.img");
        using var store = FileBackstore.Open(new FileBackstoreOptions { Path = path, Size = MiB });
        await store.WriteAsync(0, TestData.Pattern(MiB), forceUnitAccess: false, Token);

        await store.UnmapAsync(MiB - (64 * 1024), 64 * 1024, Token);

        Assert.Equal(MiB, new FileInfo(path).Length);
        Assert.Equal(MiB, store.Length);
    }

    [Fact]
    public async Task Allocation_extent_is_capped_at_max_length()
    {
        using var dir = new TempDirectory();
        using var store = FileBackstore.Open(new FileBackstoreOptions { Path = dir.File("disk.img"), Size = 4L * MiB });
        await store.WriteAsync(0, TestData.Pattern(MiB), forceUnitAccess: false, Token);

        Assert.Equal(new AllocationExtent(0, 8192, IsMapped: true), await store.GetAllocationAsync(0, 8192, Token));
        Assert.Equal(new AllocationExtent(2L * MiB, 4096, IsMapped: false), await store.GetAllocationAsync(2L * MiB, 4096, Token));
    }

    [Fact]
    public async Task Allocation_of_a_block_partly_written_reports_it_mapped()
    {
        using var dir = new TempDirectory();
        using var store = FileBackstore.Open(new FileBackstoreOptions { Path = dir.File("disk.img"), Size = MiB, BlockSize = 4096 });
        await store.WriteAsync(64 * 1024, TestData.Pattern(4096), forceUnitAccess: false, Token);

        Assert.Equal(new AllocationExtent(0, 64 * 1024, IsMapped: false), await store.GetAllocationAsync(0, MiB, Token));
        Assert.Equal(new AllocationExtent(64 * 1024, 4096, IsMapped: true), await store.GetAllocationAsync(64 * 1024, MiB, Token));
    }

    [Fact]
    public void Identity_is_stable_across_reopen()
    {
        using var dir = new TempDirectory();
        string path = dir.File("disk.img");
        BackstoreIdentity first;
        using (var store = FileBackstore.Open(new FileBackstoreOptions { Path = path, Size = MiB }))
        {
            first = store.Identity;
        }

        using var again = FileBackstore.Open(new FileBackstoreOptions { Path = path });

        Assert.Equal(first, again.Identity);
    }

    [Fact]
    public void Identity_differs_between_files()
    {
        using var dir = new TempDirectory();
        using var a = FileBackstore.Open(new FileBackstoreOptions { Path = dir.File("a.img"), Size = MiB });
        using var b = FileBackstore.Open(new FileBackstoreOptions { Path = dir.File("b.img"), Size = MiB });

        Assert.NotEqual(a.Identity, b.Identity);
    }

    [Fact]
    public void Identity_is_the_same_through_symbolic_links()
    {
        using var dir = new TempDirectory();
        string path = dir.File("disk.img");
        using var direct = FileBackstore.Open(new FileBackstoreOptions { Path = path, Size = MiB });
        string link = dir.File("link.img");
        File.CreateSymbolicLink(link, path);
        string linkedDirectory = dir.File("linked-dir");
        Directory.CreateSymbolicLink(linkedDirectory, dir.Path);

        using var viaLink = FileBackstore.Open(new FileBackstoreOptions { Path = link, ReadOnly = true });
        using var viaDirectoryLink = FileBackstore.Open(new FileBackstoreOptions { Path = Path.Combine(linkedDirectory, "disk.img"), ReadOnly = true });

        Assert.Equal(direct.Identity, viaLink.Identity);
        Assert.Equal(direct.Identity, viaDirectoryLink.Identity);
    }

    [Fact]
    public async Task Operations_after_dispose_throw_object_disposed()
    {
        using var dir = new TempDirectory();
        var store = FileBackstore.Open(new FileBackstoreOptions { Path = dir.File("disk.img"), Size = MiB });
        store.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await store.ReadAsync(0, new byte[512], Token));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await store.WriteAsync(0, new byte[512], forceUnitAccess: false, Token));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await store.FlushAsync(0, 0, Token));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await store.UnmapAsync(0, 512, Token));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await store.GetAllocationAsync(0, 512, Token));
    }

    [Fact]
    public async Task Cancelled_token_cancels_before_any_io()
    {
        using var dir = new TempDirectory();
        using var store = FileBackstore.Open(new FileBackstoreOptions { Path = dir.File("disk.img"), Size = MiB });
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await store.WriteAsync(0, new byte[512], forceUnitAccess: false, cancelled.Token));
        Assert.Equal(new AllocationExtent(0, MiB, IsMapped: false), await store.GetAllocationAsync(0, MiB, Token));
    }

    [Fact]
    public void Read_and_write_of_4_KiB_allocate_nothing()
    {
        using var dir = new TempDirectory();
        using var store = FileBackstore.Open(new FileBackstoreOptions { Path = dir.File("disk.img"), Size = 16L * MiB });
        Memory<byte> buffer = GC.AllocateArray<byte>(4096, pinned: true);
        TestData.Pattern(4096).CopyTo(buffer);
        CancellationToken token = Token;

        // Warm up: JIT, tiering and the handle's lazily computed properties.
        RunReadsAndWrites(store, buffer, 200, token);
        long before = GC.GetAllocatedBytesForCurrentThread();
        RunReadsAndWrites(store, buffer, 10_000, token);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
    }

    internal static void RunReadsAndWrites(IBackstore store, Memory<byte> buffer, int count, CancellationToken token)
    {
        long blocks = store.Length / buffer.Length;
        for (int i = 0; i < count; i++)
        {
            long offset = i * 7919 % blocks * buffer.Length;
            ValueTask write = store.WriteAsync(offset, buffer, forceUnitAccess: false, token);
            if (!write.IsCompletedSuccessfully)
            {
                write.AsTask().GetAwaiter().GetResult();
                Assert.Fail("write did not complete synchronously");
            }

            ValueTask read = store.ReadAsync(offset, buffer, token);
            if (!read.IsCompletedSuccessfully)
            {
                read.AsTask().GetAwaiter().GetResult();
                Assert.Fail("read did not complete synchronously");
            }
        }
    }
}
