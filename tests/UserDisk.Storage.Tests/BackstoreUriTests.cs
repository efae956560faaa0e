using static UserDisk.Storage.Tests.TestEnvironment;

namespace UserDisk.Storage.Tests;

public sealed class BackstoreUriTests
{
    private const long KiB = 1024;
    private const long MiB = KiB * 1024;
    private const long GiB = MiB * 1024;
    private const long TiB = GiB * 1024;

    [Theory]
    [InlineData("512", 512)]
    [InlineData("4K", 4 * KiB)]
    [InlineData("4k", 4 * KiB)]
    [InlineData("4KiB", 4 * KiB)]
    [InlineData("3M", 3 * MiB)]
    [InlineData("3MiB", 3 * MiB)]
    [InlineData("10G", 10 * GiB)]
    [InlineData("10gib", 10 * GiB)]
    [InlineData("2T", 2 * TiB)]
    [InlineData("2TiB", 2 * TiB)]
    [InlineData("8388607T", 8388607 * TiB)]
    public void Size_accepts_bytes_and_binary_units(string text, long expected)
    {
        Assert.Equal(expected, BackstoreUri.ParseSize(text));
    }

    [Theory]
    [InlineData("12Q", "size '12Q' has an unknown unit suffix 'Q' (use K, M, G or T).")]
    [InlineData("1KB", "size '1KB' has an unknown unit suffix 'KB' (use K, M, G or T).")]
    [InlineData("G", "size 'G' does not start with a number.")]
    [InlineData("", "size is empty.")]
    [InlineData("1.5G", "size '1.5G' must be a whole number (use a smaller unit, e.g. 1536M for 1.5G).")]
    [InlineData("0", "size '0' must be positive.")]
    [InlineData("8388608T", "size '8388608T' is too large.")]
    [InlineData("99999999999999999999", "size '99999999999999999999' is too large.")]
    [InlineData("-1G", "size '-1G' does not start with a number.")]
    public void Bad_size_is_a_format_error_saying_why(string text, string message)
    {
        var ex = Assert.Throws<FormatException>(() => BackstoreUri.ParseSize(text));

        Assert.Equal(message, ex.Message);
    }

    [Fact]
    public void Memory_takes_its_size_after_the_colon()
    {
        Assert.Equal(new BackstoreUri { Kind = BackstoreKind.Memory, Size = 512 * MiB }, BackstoreUri.Parse("memory:512M"));
    }

    [Fact]
    public void Null_accepts_a_block_size_option()
    {
        Assert.Equal(new BackstoreUri { Kind = BackstoreKind.Null, Size = TiB, BlockSize = 4096 }, BackstoreUri.Parse("null:1T?blocksize=4096"));
    }

    [Fact]
    public void File_takes_every_option()
    {
        BackstoreUri parsed = BackstoreUri.Parse("file:/srv/disk.img?ro=true&direct=true&size=10G&blocksize=4096");

        Assert.Equal(
            new BackstoreUri { Kind = BackstoreKind.File, Path = "/srv/disk.img", ReadOnly = true, DirectIo = true, Size = 10 * GiB, BlockSize = 4096 },
            parsed);
    }

    [Fact]
    public void File_path_is_kept_as_written_and_defaults_apply()
    {
        Assert.Equal(
            new BackstoreUri { Kind = BackstoreKind.File, Path = "relative/dir/disk.img", BlockSize = 512 },
            BackstoreUri.Parse("file:relative/dir/disk.img"));
    }

    [Fact]
    public void Kind_and_option_names_are_case_insensitive_and_a_lone_flag_means_true()
    {
        Assert.Equal(
            new BackstoreUri { Kind = BackstoreKind.File, Path = "/x", ReadOnly = true, DirectIo = false },
            BackstoreUri.Parse("FILE:/x?RO&Direct=FALSE"));
    }

    [Fact]
    public void Create_with_size_is_accepted()
    {
        Assert.Equal(
            new BackstoreUri { Kind = BackstoreKind.File, Path = "/x", Create = true, Size = GiB },
            BackstoreUri.Parse("file:/x?create=1&size=1G"));
    }

    [Theory]
    [InlineData("memory:12Q", "backstore 'memory:12Q': size '12Q' has an unknown unit suffix 'Q' (use K, M, G or T).")]
    [InlineData("", "backstore '': the string is empty (use file:PATH, memory:SIZE, null:SIZE, s3://BUCKET/KEY or squashfs:PATH|s3://BUCKET/KEY).")]
    [InlineData("/srv/disk.img", "backstore '/srv/disk.img': the kind is missing (use file:PATH, memory:SIZE, null:SIZE, s3://BUCKET/KEY or squashfs:PATH|s3://BUCKET/KEY).")]
    [InlineData(":1G", "backstore ':1G': the kind is missing (use file:PATH, memory:SIZE, null:SIZE, s3://BUCKET/KEY or squashfs:PATH|s3://BUCKET/KEY).")]
    [InlineData("disk:/x", "backstore 'disk:/x': unknown kind 'disk' (use file:PATH, memory:SIZE, null:SIZE, s3://BUCKET/KEY or squashfs:PATH|s3://BUCKET/KEY).")]
    [InlineData("file:", "backstore 'file:': the path is empty (use file:PATH).")]
    [InlineData("file:?ro=true", "backstore 'file:?ro=true': the path is empty (use file:PATH).")]
    [InlineData("memory:", "backstore 'memory:': the size is missing (use memory:SIZE, e.g. memory:1G).")]
    [InlineData("null:?blocksize=4096", "backstore 'null:?blocksize=4096': the size is missing (use null:SIZE, e.g. null:1G).")]
    [InlineData("memory:1000", "backstore 'memory:1000': size 1000 is not a multiple of the block size 512.")]
    [InlineData("memory:1M?blocksize=4096&ro=true&blocksize=512", "backstore 'memory:1M?blocksize=4096&ro=true&blocksize=512': option 'blocksize' is given more than once.")]
    [InlineData("null:6K?blocksize=4096", "backstore 'null:6K?blocksize=4096': size 6144 is not a multiple of the block size 4096.")]
    [InlineData("memory:1G?direct=true", "backstore 'memory:1G?direct=true': option 'direct' does not apply to memory backstores (use ro or blocksize).")]
    [InlineData("memory:1G?size=2G", "backstore 'memory:1G?size=2G': option 'size' does not apply to memory backstores (use ro or blocksize; the size follows 'memory:').")]
    [InlineData("null:1G?ro=true", "backstore 'null:1G?ro=true': option 'ro' does not apply to null backstores (use blocksize).")]
    [InlineData("file:/x?colour=blue", "backstore 'file:/x?colour=blue': option 'colour' does not apply to file backstores (use ro, direct, create, size or blocksize).")]
    [InlineData("file:/x?direct=maybe", "backstore 'file:/x?direct=maybe': option 'direct' has the value 'maybe' (use true or false).")]
    [InlineData("file:/x?blocksize=1000", "backstore 'file:/x?blocksize=1000': blocksize '1000' is not supported (use 512, 1024, 2048 or 4096).")]
    [InlineData("file:/x?blocksize", "backstore 'file:/x?blocksize': option 'blocksize' needs a value (blocksize=512, 1024, 2048 or 4096).")]
    [InlineData("file:/x?size", "backstore 'file:/x?size': option 'size' needs a value (size=SIZE).")]
    [InlineData("file:/x?size=10X", "backstore 'file:/x?size=10X': size '10X' has an unknown unit suffix 'X' (use K, M, G or T).")]
    [InlineData("file:/x?ro=true&", "backstore 'file:/x?ro=true&': an option is empty (options are NAME=VALUE separated by '&').")]
    [InlineData("file:/x?create=true", "backstore 'file:/x?create=true': option 'create' needs a size to create or extend the file to (add size=SIZE).")]
    [InlineData("file:/x?create&ro&size=1G", "backstore 'file:/x?create&ro&size=1G': options 'create' and 'ro' cannot both be true.")]
    public void Bad_string_is_a_format_error_naming_the_wrong_part(string uri, string message)
    {
        var ex = Assert.Throws<FormatException>(() => BackstoreUri.Parse(uri));

        Assert.Equal(message, ex.Message);
    }

    [Fact]
    public async Task Open_memory_gives_a_memory_store_named_for_its_identity()
    {
        using IBackstore store = BackstoreUri.Open("memory:4M?blocksize=4096", "lun0");

        Assert.IsType<MemoryBackstore>(store);
        Assert.Equal(4 * MiB, store.Length);
        Assert.Equal(4096, store.BlockSize);
        Assert.Equal(BackstoreIdentity.FromString("memory:lun0"), store.Identity);
        await store.WriteAsync(0, new byte[4096], forceUnitAccess: false, Token);
    }

    [Fact]
    public void Open_null_gives_a_null_store()
    {
        using IBackstore store = BackstoreUri.Open("null:1G", "lun1");

        Assert.IsType<NullBackstore>(store);
        Assert.Equal(GiB, store.Length);
        Assert.Equal(512, store.BlockSize);
    }

    [Fact]
    public void Open_file_creates_it_with_the_given_size()
    {
        using var dir = new TempDirectory();
        string path = dir.File("disk.img");

        using IBackstore store = BackstoreUri.Open($"file:{path}?size=2M&blocksize=4096", "lun2");

        Assert.IsType<FileBackstore>(store);
        Assert.Equal(2 * MiB, store.Length);
        Assert.Equal(2 * MiB, new FileInfo(path).Length);
    }

    [Fact]
    public void Open_file_read_only_reports_read_only()
    {
        using var dir = new TempDirectory();
        string path = dir.FileWithPattern("disk.img", 8192);

        using IBackstore store = BackstoreUri.Open($"file:{path}?ro", "lun3");

        Assert.True(store.IsReadOnly);
    }
}
