using UserDisk.Storage.Interop;

namespace UserDisk.Storage.Tests;

public sealed class LibcTests
{
    [Theory]
    [InlineData(Libc.ENOSPC, true, BackstoreError.NoSpace)]
    [InlineData(Libc.EDQUOT, true, BackstoreError.NoSpace)]
    [InlineData(Libc.EIO, false, BackstoreError.MediumError)]
    [InlineData(Libc.EIO, true, BackstoreError.MediumError)]
    [InlineData(Libc.EROFS, true, BackstoreError.WriteProtected)]
    [InlineData(Libc.EACCES, true, BackstoreError.WriteProtected)]
    [InlineData(Libc.EPERM, true, BackstoreError.WriteProtected)]
    [InlineData(Libc.EACCES, false, BackstoreError.NotReady)]
    [InlineData(Libc.EINVAL, false, BackstoreError.InvalidArgument)]
    [InlineData(Libc.EAGAIN, false, BackstoreError.Transient)]
    [InlineData(Libc.ENOENT, false, BackstoreError.NotReady)]
    [InlineData(Libc.ENODEV, true, BackstoreError.NotReady)]
    [InlineData(9999, false, BackstoreError.MediumError)]
    public void Errno_maps_to_a_backstore_error(int errno, bool writing, BackstoreError expected)
    {
        Assert.Equal(expected, Libc.ToBackstoreError(errno, writing));
    }

    [Fact]
    public void Canonical_path_resolves_symbolic_links()
    {
        using var dir = new TempDirectory();
        string target = dir.FileWithPattern("target.img", 512);
        string link = dir.File("link.img");
        File.CreateSymbolicLink(link, target);

        Assert.Equal(Libc.CanonicalPath(target), Libc.CanonicalPath(link));
        Assert.Null(Libc.CanonicalPath(dir.File("missing")));
    }
}
