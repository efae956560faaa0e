using static UserDisk.Storage.Tests.TestEnvironment;

namespace UserDisk.Storage.Tests;

/// <summary>
/// Behaviour that needs the system: a block device (a loop device over a temp file) and a full file system (a
/// 1 MiB tmpfs). Both need root. Without a loop device the block-device tests skip (containers often have none);
/// without tmpfs mounts the no-space test skips, or fails on CI.
/// </summary>
public sealed class FileBackstoreDeviceTests
{
    private const int MiB = 1 << 20;

    [Fact]
    public async Task Block_device_length_comes_from_the_device_and_it_round_trips()
    {
        using var dir = new TempDirectory();
        using var loop = LoopDevice.Attach(dir.FileWithPattern("backing.img", 8 * MiB));
        using var store = FileBackstore.Open(new FileBackstoreOptions { Path = loop.Path, BlockSize = 4096 });
        byte[] data = TestData.Pattern(8192, seed: 4);

        await store.WriteAsync(4096, data, forceUnitAccess: true, Token);
        var back = new byte[8192];
        await store.ReadAsync(4096, back, Token);

        Assert.True(store.IsBlockDevice);
        Assert.Equal(8 * MiB, store.Length);
        Assert.Equal(data, back);
    }

    [Fact]
    public async Task Block_device_reports_no_unmap_and_everything_mapped()
    {
        using var dir = new TempDirectory();
        using var loop = LoopDevice.Attach(dir.FileWithPattern("backing.img", 4 * MiB));
        using var store = FileBackstore.Open(new FileBackstoreOptions { Path = loop.Path });

        Assert.False(store.SupportsUnmap);
        Assert.False(store.UnmappedReadsZero);
        Assert.Equal(new AllocationExtent(0, 4 * MiB, IsMapped: true), await store.GetAllocationAsync(0, 4 * MiB, Token));
    }

    [Fact]
    public async Task Block_device_with_direct_io_round_trips()
    {
        using var dir = new TempDirectory();
        using var loop = LoopDevice.Attach(dir.FileWithPattern("backing.img", 4 * MiB));
        using var store = FileBackstore.Open(new FileBackstoreOptions { Path = loop.Path, DirectIo = true, BlockSize = 512 });
        using var buffer = new AlignedBuffer(4096);
        TestData.Pattern(4096, seed: 6).CopyTo(buffer.GetSpan());

        await store.WriteAsync(MiB, buffer.Memory, forceUnitAccess: false, Token);
        buffer.GetSpan().Clear();
        await store.ReadAsync(MiB, buffer.Memory, Token);

        Assert.Equal(TestData.Pattern(4096, seed: 6), buffer.GetSpan().ToArray());
    }

    [Fact]
    public void Block_device_identity_is_the_configured_path()
    {
        using var dir = new TempDirectory();
        using var loop = LoopDevice.Attach(dir.FileWithPattern("backing.img", MiB));
        using var store = FileBackstore.Open(new FileBackstoreOptions { Path = loop.Path, ReadOnly = true });

        Assert.Equal(BackstoreIdentity.FromString("file:" + loop.Path), store.Identity);
    }

    [Fact]
    public async Task Write_to_a_full_file_system_is_no_space()
    {
        using var dir = new TempDirectory();
        string mountPoint = Directory.CreateDirectory(dir.File("tmpfs")).FullName;
        var (exitCode, output) = Run("mount", "-t", "tmpfs", "-o", "size=1M", "tmpfs", mountPoint);
        if (exitCode != 0)
        {
            Unavailable($"cannot mount a 1 MiB tmpfs to fill up ({output})");
        }

        try
        {
            // A sparse 8 MiB file on a 1 MiB file system: creating it works, filling it cannot.
            using var store = FileBackstore.Open(new FileBackstoreOptions { Path = Path.Combine(mountPoint, "disk.img"), Size = 8 * MiB });
            byte[] chunk = TestData.Pattern(64 * 1024);

            var ex = await Assert.ThrowsAsync<BackstoreException>(async () =>
            {
                for (long offset = 0; offset < store.Length; offset += chunk.Length)
                {
                    await store.WriteAsync(offset, chunk, forceUnitAccess: false, Token);
                }
            });

            Assert.Equal(BackstoreError.NoSpace, ex.Error);
            Assert.IsAssignableFrom<IOException>(ex.InnerException);
        }
        finally
        {
            Run("umount", mountPoint);
        }
    }

    /// <summary>A loop device over a file, detached on dispose.</summary>
    private sealed class LoopDevice : IDisposable
    {
        private LoopDevice(string path)
        {
            Path = path;
        }

        public string Path { get; }

        public static LoopDevice Attach(string backingFile)
        {
            var (exitCode, output) = Run("losetup", "--find", "--show", backingFile);
            if (exitCode != 0 || !output.StartsWith("/dev/", StringComparison.Ordinal))
            {
                Unavailable($"no loop device here (losetup: {output})", requiredOnCi: false);
            }

            return new LoopDevice(output);
        }

        public void Dispose() => Run("losetup", "--detach", Path);
    }
}
