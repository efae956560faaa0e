using System.Security.Cryptography;
using static UserDisk.Storage.Tests.TestEnvironment;

namespace UserDisk.Storage.Tests;

public sealed class SquashfsBackstoreTests
{
    [Theory]
    [InlineData(512)]
    [InlineData(4096)]
    public async Task An_unpadded_image_is_served_rounded_up_to_whole_blocks(int blockSize)
    {
        using var dir = new TempDirectory();
        string image = SquashfsImages.Build(dir, "nopad.squashfs", options: ["-nopad"]);
        long size = new FileInfo(image).Length;
        Assert.NotEqual(0, size % 512);

        using SquashfsBackstore store = await SquashfsBackstore.OpenFileAsync(image, blockSize, Token);

        Assert.Equal(size, store.ObjectLength);
        Assert.Equal(size, store.Superblock.BytesUsed);
        Assert.Equal((size + blockSize - 1) / blockSize * blockSize, store.Length);
        Assert.Equal(blockSize, store.BlockSize);
    }

    [Theory]
    [InlineData(512)]
    [InlineData(4096)]
    public async Task Reading_the_whole_disk_returns_the_image_followed_by_zeros(int blockSize)
    {
        using var dir = new TempDirectory();
        string image = SquashfsImages.Build(dir, "nopad.squashfs", options: ["-nopad", "-comp", "zstd"]);
        using SquashfsBackstore store = await SquashfsBackstore.OpenFileAsync(image, blockSize, Token);

        byte[] disk = await ReadAll(store, chunk: 64 * 1024);

        byte[] file = File.ReadAllBytes(image);
        Assert.Equal(SHA256.HashData(file), SHA256.HashData(disk.AsSpan(0, file.Length)));
        Assert.True(TestData.IsAllZero(disk.AsSpan(file.Length)));
    }

    [Fact]
    public async Task The_served_disk_is_an_image_unsquashfs_can_list()
    {
        using var dir = new TempDirectory();
        string image = SquashfsImages.Build(dir, "nopad.squashfs", options: ["-nopad"]);
        using SquashfsBackstore store = await SquashfsBackstore.OpenFileAsync(image, 4096, Token);

        // What an initiator sees, zero tail included: squashfs readers must not care about it.
        string served = dir.File("served.img");
        File.WriteAllBytes(served, await ReadAll(store, chunk: 4096));
        string listing = SquashfsImages.Unsquashfs("-l", served);

        Assert.Contains("random.bin", listing, StringComparison.Ordinal);
        Assert.Contains("sub/hello.txt", listing, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_padded_image_is_served_at_its_own_length()
    {
        using var dir = new TempDirectory();
        string image = SquashfsImages.Build(dir, "padded.squashfs");
        long size = new FileInfo(image).Length;

        using SquashfsBackstore store = await SquashfsBackstore.OpenFileAsync(image, 4096, Token);

        Assert.Equal(size, store.Length);
        Assert.True(store.Superblock.BytesUsed < size);
    }

    [Fact]
    public async Task An_image_smaller_than_one_block_is_served_as_one_block()
    {
        using var dir = new TempDirectory();
        string image = SquashfsImages.BuildEmpty(dir, "empty.squashfs", "-nopad");
        byte[] file = File.ReadAllBytes(image);
        Assert.True(file.Length < 512);

        using SquashfsBackstore store = await SquashfsBackstore.OpenFileAsync(image, 512, Token);
        var block = new byte[512];
        await store.ReadAsync(0, block, Token);

        Assert.Equal(512, store.Length);
        Assert.Equal(file, block.AsSpan(0, file.Length).ToArray());
        Assert.True(TestData.IsAllZero(block.AsSpan(file.Length)));
    }

    [Fact]
    public async Task Writes_and_unmaps_are_refused_as_write_protected()
    {
        using var dir = new TempDirectory();
        using SquashfsBackstore store = await SquashfsBackstore.OpenFileAsync(SquashfsImages.Build(dir, "ro.squashfs"), 512, Token);

        var write = await Assert.ThrowsAsync<BackstoreException>(
            async () => await store.WriteAsync(0, new byte[512], forceUnitAccess: false, Token));
        var unmap = await Assert.ThrowsAsync<BackstoreException>(async () => await store.UnmapAsync(0, 512, Token));

        Assert.True(store.IsReadOnly);
        Assert.False(store.SupportsUnmap);
        Assert.Equal(BackstoreError.WriteProtected, write.Error);
        Assert.Equal(BackstoreError.WriteProtected, unmap.Error);
        Assert.Contains("read-only", write.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reads_past_the_end_are_out_of_range()
    {
        using var dir = new TempDirectory();
        using SquashfsBackstore store = await SquashfsBackstore.OpenFileAsync(SquashfsImages.Build(dir, "range.squashfs", options: ["-nopad"]), 512, Token);

        var error = await Assert.ThrowsAsync<BackstoreException>(async () => await store.ReadAsync(store.Length - 512, new byte[1024], Token));

        Assert.Equal(BackstoreError.OutOfRange, error.Error);
    }

    [Fact]
    public async Task The_identity_is_the_same_for_every_open_of_an_unchanged_image()
    {
        using var dir = new TempDirectory();
        string image = SquashfsImages.Build(dir, "same.squashfs");

        BackstoreIdentity first;
        using (SquashfsBackstore store = await SquashfsBackstore.OpenFileAsync(image, 512, Token))
        {
            first = store.Identity;
        }

        using SquashfsBackstore again = await SquashfsBackstore.OpenFileAsync(image, 512, Token);
        var info = new FileInfo(image);
        Assert.Equal(first, again.Identity);
        Assert.Equal(BackstoreIdentity.FromString($"squashfs:{image}@{info.Length}:{info.LastWriteTimeUtc.Ticks}"), first);
    }

    [Fact]
    public async Task The_identity_changes_when_the_image_is_rebuilt_with_different_content()
    {
        using var dir = new TempDirectory();
        string image = SquashfsImages.Build(dir, "rebuilt.squashfs", seed: 1);
        BackstoreIdentity before;
        using (SquashfsBackstore store = await SquashfsBackstore.OpenFileAsync(image, 512, Token))
        {
            before = store.Identity;
        }

        SquashfsImages.Build(dir, "rebuilt.squashfs", seed: 2);
        using SquashfsBackstore rebuilt = await SquashfsBackstore.OpenFileAsync(image, 512, Token);

        Assert.NotEqual(before, rebuilt.Identity);
    }

    [Fact]
    public async Task Over_a_store_that_rounds_up_the_bytes_past_the_object_read_as_zeros()
    {
        using var dir = new TempDirectory();
        byte[] image = File.ReadAllBytes(SquashfsImages.Build(dir, "nopad.squashfs", options: ["-nopad"]));
        Assert.NotEqual(0, image.Length % 4096);
        long rounded = (image.Length + 4095) / 4096 * 4096;
        using var inner = new MemoryBackstore("s3-object", rounded);
        await inner.WriteAsync(0, image, forceUnitAccess: false, Token);

        // Whatever the inner store holds after the object is not the object's and must not reach the initiator.
        await inner.WriteAsync(rounded - 4096 + (image.Length % 4096), TestData.Pattern(4096 - (image.Length % 4096)), forceUnitAccess: false, Token);

        using SquashfsBackstore store = await SquashfsBackstore.OpenAsync(inner, image.Length, "s3://bucket/images/a.squashfs", "\"etag-1\"", 512, Token);
        byte[] disk = await ReadAll(store, chunk: 512);

        Assert.Equal(image, disk.AsSpan(0, image.Length).ToArray());
        Assert.True(TestData.IsAllZero(disk.AsSpan(image.Length)));
        Assert.Equal(BackstoreIdentity.FromString("squashfs:s3://bucket/images/a.squashfs@\"etag-1\""), store.Identity);
        Assert.Same(inner, store.Inner);
    }

    [Fact]
    public async Task Over_a_file_store_that_rounds_down_padding_it_cuts_off_reads_as_zeros()
    {
        using var dir = new TempDirectory();
        string image = SquashfsImages.Build(dir, "padded.squashfs");
        byte[] file = File.ReadAllBytes(image);
        long bytesUsed = SquashfsSuperblock.Parse(file, file.Length, image).BytesUsed;

        // Keep the file system and part of mksquashfs's padding, so that the file's length is not whole blocks.
        int cut = (int)((bytesUsed + 511) / 512 * 512) + 100;
        File.WriteAllBytes(image, file.AsSpan(0, cut).ToArray());
        using var inner = FileBackstore.Open(new FileBackstoreOptions { Path = image, ReadOnly = true });
        Assert.Equal(cut - 100, inner.Length);

        using SquashfsBackstore store = await SquashfsBackstore.OpenAsync(inner, cut, image, "v1", 512, Token);
        byte[] disk = await ReadAll(store, chunk: 8192);

        Assert.Equal(cut + 412, store.Length);
        Assert.Equal(file.AsSpan(0, cut).ToArray(), disk.AsSpan(0, cut).ToArray());
        Assert.True(TestData.IsAllZero(disk.AsSpan(cut)));
    }

    [Fact]
    public async Task Over_a_file_store_that_rounds_down_the_file_system_itself_is_refused()
    {
        using var dir = new TempDirectory();
        string image = SquashfsImages.Build(dir, "nopad.squashfs", options: ["-nopad"]);
        long size = new FileInfo(image).Length;
        using var inner = FileBackstore.Open(new FileBackstoreOptions { Path = image, ReadOnly = true });
        Assert.True(inner.Length < size);

        var error = await Assert.ThrowsAsync<BackstoreException>(
            async () => await SquashfsBackstore.OpenAsync(inner, size, image, "v1", 512, Token));

        Assert.Equal(BackstoreError.InvalidArgument, error.Error);
        Assert.Contains($"holds only {inner.Length} of the object's {size} bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dispose_disposes_the_inner_store()
    {
        using var dir = new TempDirectory();
        byte[] image = File.ReadAllBytes(SquashfsImages.Build(dir, "padded.squashfs"));
        using var inner = new MemoryBackstore("image", image.Length);
        await inner.WriteAsync(0, image, forceUnitAccess: false, Token);
        SquashfsBackstore store = await SquashfsBackstore.OpenAsync(inner, image.Length, "memory:image", "v1", 512, Token);

        store.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await inner.ReadAsync(0, new byte[512], Token));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await store.ReadAsync(0, new byte[512], Token));
    }

    [Fact]
    public async Task Opening_a_file_that_is_not_squashfs_names_the_magic()
    {
        using var dir = new TempDirectory();
        string path = dir.FileWithPattern("not.squashfs", 64 * 1024);

        var error = await Assert.ThrowsAsync<SquashfsFormatException>(async () => await SquashfsBackstore.OpenFileAsync(path, 512, Token));

        Assert.Equal("magic", error.Field);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Opening_a_truncated_image_file_names_bytes_used()
    {
        using var dir = new TempDirectory();
        string image = SquashfsImages.Build(dir, "cut.squashfs");
        using (var stream = new FileStream(image, FileMode.Open, FileAccess.Write))
        {
            stream.SetLength(100_000);
        }

        var error = await Assert.ThrowsAsync<SquashfsFormatException>(async () => await SquashfsBackstore.OpenFileAsync(image, 512, Token));

        Assert.Equal("bytes_used", error.Field);
        Assert.Contains("is beyond the object's 100000 bytes: the image is truncated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Opening_a_file_shorter_than_the_superblock_names_the_superblock()
    {
        using var dir = new TempDirectory();
        string path = dir.FileWithPattern("tiny.squashfs", 40);

        var error = await Assert.ThrowsAsync<SquashfsFormatException>(async () => await SquashfsBackstore.OpenFileAsync(path, 512, Token));

        Assert.Equal("superblock", error.Field);
    }

    [Fact]
    public async Task Opening_a_missing_file_is_not_ready()
    {
        using var dir = new TempDirectory();

        var error = await Assert.ThrowsAsync<BackstoreException>(
            async () => await SquashfsBackstore.OpenFileAsync(dir.File("missing.squashfs"), 512, Token));

        Assert.Equal(BackstoreError.NotReady, error.Error);
        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }

    private static async Task<byte[]> ReadAll(SquashfsBackstore store, int chunk)
    {
        var disk = new byte[store.Length];
        for (long offset = 0; offset < disk.Length; offset += chunk)
        {
            int count = (int)Math.Min(chunk, disk.Length - offset);
            await store.ReadAsync(offset, disk.AsMemory((int)offset, count), Token);
        }

        return disk;
    }
}
