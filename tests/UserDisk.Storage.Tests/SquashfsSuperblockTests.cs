using System.Buffers.Binary;
using System.IO.Compression;

namespace UserDisk.Storage.Tests;

public sealed class SquashfsSuperblockTests
{
    private const string Location = "/images/test.squashfs";

    [Fact]
    public void A_gzip_image_parses_as_unsquashfs_reports_it()
    {
        using var dir = new TempDirectory();
        string image = SquashfsImages.Build(dir, "gzip.squashfs");
        byte[] bytes = File.ReadAllBytes(image);

        SquashfsSuperblock superblock = SquashfsSuperblock.Parse(bytes, bytes.Length, image);

        string reported = SquashfsImages.Unsquashfs("-s", image);
        Assert.Equal(SquashfsCompression.Gzip, superblock.Compression);
        Assert.Equal("gzip", SquashfsImages.WordAfter(reported, "Compression"));
        Assert.Equal(SquashfsImages.ValueAfter(reported, "Block size"), superblock.BlockSize);
        Assert.Equal(SquashfsImages.ValueAfter(reported, "Filesystem size"), superblock.BytesUsed);
        Assert.Equal(SquashfsImages.ValueAfter(reported, "Number of inodes"), superblock.InodeCount);
        Assert.Equal(SquashfsImages.ValueAfter(reported, "Number of fragments"), superblock.FragmentCount);
        Assert.Equal(SquashfsImages.ValueAfter(reported, "Number of ids"), superblock.IdCount);
        Assert.Equal(131072, superblock.BlockSize);
        Assert.Equal(17, superblock.BlockLog);
        Assert.Equal((4, 0), ((int)superblock.VersionMajor, (int)superblock.VersionMinor));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(SquashfsImages.SourceDateEpoch), superblock.CreatedUtc);
    }

    [Fact]
    public void A_padded_image_uses_fewer_bytes_than_the_file_holds()
    {
        using var dir = new TempDirectory();
        string image = SquashfsImages.Build(dir, "padded.squashfs");
        byte[] bytes = File.ReadAllBytes(image);

        SquashfsSuperblock superblock = SquashfsSuperblock.Parse(bytes, bytes.Length, image);

        // mksquashfs pads to 4 KiB by default; bytes_used is where the file system really ends.
        Assert.Equal(0, bytes.Length % 4096);
        Assert.True(superblock.BytesUsed < bytes.Length);
        Assert.True(superblock.InodeTableStart < superblock.DirectoryTableStart);
        Assert.True(superblock.IdTableStart < (ulong)superblock.BytesUsed);
    }

    [Fact]
    public void A_zstd_image_parses_with_its_compressor()
    {
        using var dir = new TempDirectory();
        string image = SquashfsImages.Build(dir, "zstd.squashfs", options: ["-comp", "zstd"]);
        byte[] bytes = File.ReadAllBytes(image);

        SquashfsSuperblock superblock = SquashfsSuperblock.Parse(bytes, bytes.Length, image);

        Assert.Equal(SquashfsCompression.Zstd, superblock.Compression);
        Assert.Equal("zstd", SquashfsImages.WordAfter(SquashfsImages.Unsquashfs("-s", image), "Compression"));
    }

    [Fact]
    public void The_summary_names_compressor_block_size_inodes_size_and_creation_time()
    {
        using var dir = new TempDirectory();
        string image = SquashfsImages.Build(dir, "summary.squashfs", options: ["-nopad"]);
        byte[] bytes = File.ReadAllBytes(image);

        string summary = SquashfsSuperblock.Parse(bytes, bytes.Length, image).Summary;

        Assert.Contains("gzip compression", summary, StringComparison.Ordinal);
        Assert.Contains("block size 131072 (128 KiB)", summary, StringComparison.Ordinal);
        Assert.Contains("4 inodes", summary, StringComparison.Ordinal);
        Assert.Contains($"{bytes.Length} bytes used", summary, StringComparison.Ordinal);
        Assert.Contains("created 2023-11-14 22:13:20 UTC", summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Fewer_than_96_bytes_are_a_truncated_superblock()
    {
        byte[] bytes = ValidImage();

        SquashfsFormatException error = Reject(bytes.AsSpan(0, 40), 40);

        Assert.Equal("superblock", error.Field);
        Assert.Contains("only 40 bytes", error.Message, StringComparison.Ordinal);
        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_image_cut_short_is_refused_on_bytes_used()
    {
        byte[] bytes = ValidImage();
        long bytesUsed = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(40));

        SquashfsFormatException error = Reject(bytes.AsSpan(0, 100_000), 100_000);

        Assert.Equal("bytes_used", error.Field);
        Assert.Contains($"bytes_used {bytesUsed} is beyond the object's 100000 bytes: the image is truncated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Random_bytes_are_refused_on_the_magic_with_what_was_found()
    {
        byte[] bytes = TestData.Pattern(4096);
        bytes[0] = (byte)'A';
        bytes[1] = (byte)'B';
        bytes[2] = (byte)'C';
        bytes[3] = 0x01;

        SquashfsFormatException error = Reject(bytes, bytes.Length);

        Assert.Equal("magic", error.Field);
        Assert.Contains("not a squashfs image: magic is 'ABC.' (hex 41424301), expected 'hsqs'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_gzip_file_is_refused_and_named()
    {
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(TestData.Pattern(10_000));
        }

        byte[] bytes = compressed.ToArray();

        SquashfsFormatException error = Reject(bytes, bytes.Length);

        Assert.Equal("magic", error.Field);
        Assert.Contains("a gzip stream", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_of_zeros_is_refused_and_named()
    {
        var bytes = new byte[1 << 20];

        SquashfsFormatException error = Reject(bytes, bytes.Length);

        Assert.Equal("magic", error.Field);
        Assert.Contains("zeros", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_big_endian_squashfs_is_refused_as_unsupported()
    {
        byte[] bytes = ValidImage();
        "sqsh"u8.CopyTo(bytes);

        SquashfsFormatException error = Reject(bytes, bytes.Length);

        Assert.Equal("magic", error.Field);
        Assert.Contains("big-endian squashfs (version < 4) is not supported", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_ext4_file_system_is_named_when_more_than_the_superblock_is_given()
    {
        var bytes = new byte[4096];
        bytes[1080] = 0x53;
        bytes[1081] = 0xef;
        bytes[1100] = 1;

        SquashfsFormatException error = Reject(bytes, 1 << 20);

        Assert.Equal("magic", error.Field);
        Assert.Contains("ext2/ext3/ext4", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(3, 1)]
    [InlineData(4, 1)]
    [InlineData(5, 0)]
    public void A_version_other_than_4_0_is_refused(int major, int minor)
    {
        byte[] bytes = ValidImage();
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(28), (ushort)major);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(30), (ushort)minor);

        SquashfsFormatException error = Reject(bytes, bytes.Length);

        Assert.Equal("version", error.Field);
        Assert.Contains($"version is {major}.{minor}, expected 4.0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_block_log_that_disagrees_with_the_block_size_is_refused()
    {
        byte[] bytes = ValidImage();
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(22), 16);

        SquashfsFormatException error = Reject(bytes, bytes.Length);

        Assert.Equal("block_log", error.Field);
        Assert.Contains("block_log is 16, expected 17 (block_size 131072 is 2^17)", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(100_000u)]
    [InlineData(2048u)]
    [InlineData(2u << 20)]
    [InlineData(0u)]
    public void A_block_size_that_is_not_a_power_of_two_from_4_KiB_to_1_MiB_is_refused(uint blockSize)
    {
        byte[] bytes = ValidImage();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(12), blockSize);

        SquashfsFormatException error = Reject(bytes, bytes.Length);

        Assert.Equal("block_size", error.Field);
        Assert.Contains($"block_size is {blockSize}, expected a power of two from 4096 to 1048576", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    [InlineData(0xffff)]
    public void An_unknown_compressor_is_refused(int compression)
    {
        byte[] bytes = ValidImage();
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(20), (ushort)compression);

        SquashfsFormatException error = Reject(bytes, bytes.Length);

        Assert.Equal("compression", error.Field);
        Assert.Contains($"compression is {compression}, expected 1 (gzip)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bytes_used_beyond_the_object_is_refused()
    {
        byte[] bytes = ValidImage();
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(40), 123_456_789);

        SquashfsFormatException error = Reject(bytes, bytes.Length);

        Assert.Equal("bytes_used", error.Field);
        Assert.Contains($"bytes_used 123456789 is beyond the object's {bytes.Length} bytes: the image is truncated", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(64, "inode_table_start")]
    [InlineData(72, "directory_table_start")]
    [InlineData(48, "id_table_start")]
    public void A_table_that_starts_beyond_bytes_used_is_refused(int offset, string field)
    {
        byte[] bytes = ValidImage();
        long bytesUsed = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(40));
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(offset), (ulong)bytesUsed);

        SquashfsFormatException error = Reject(bytes, bytes.Length);

        Assert.Equal(field, error.Field);
        Assert.Contains($"{field} is {bytesUsed}, expected an offset from 96 to below bytes_used {bytesUsed}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_absent_table_is_accepted()
    {
        byte[] bytes = ValidImage();
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(88), SquashfsSuperblock.NoTable);

        SquashfsSuperblock superblock = SquashfsSuperblock.Parse(bytes, bytes.Length, Location);

        Assert.Equal(SquashfsSuperblock.NoTable, superblock.LookupTableStart);
    }

    [Fact]
    public void The_error_is_an_invalid_argument_backstore_error_that_names_the_location()
    {
        var bytes = new byte[4096];

        var error = Assert.IsType<SquashfsFormatException>(
            Assert.ThrowsAny<BackstoreException>(() => SquashfsSuperblock.Parse(bytes, bytes.Length, Location)),
            exactMatch: true);

        Assert.Equal(BackstoreError.InvalidArgument, error.Error);
        Assert.StartsWith($"Squashfs image '{Location}': ", error.Message, StringComparison.Ordinal);
    }

    private static SquashfsFormatException Reject(ReadOnlySpan<byte> header, long objectLength)
    {
        try
        {
            SquashfsSuperblock.Parse(header, objectLength, Location);
        }
        catch (SquashfsFormatException ex)
        {
            return ex;
        }

        Assert.Fail("The superblock was accepted.");
        return null!;
    }

    /// <summary>A real image from mksquashfs, read into memory for a test to patch (a fresh copy each time: a build takes milliseconds).</summary>
    private static byte[] ValidImage()
    {
        using var dir = new TempDirectory();
        return File.ReadAllBytes(SquashfsImages.Build(dir, "valid.squashfs"));
    }
}
