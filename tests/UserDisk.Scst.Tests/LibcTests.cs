using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using UserDisk.Scst.Interop;

namespace UserDisk.Scst.Tests;

public sealed unsafe class LibcTests
{
    [Fact]
    public void Scst_user_ioctl_on_a_non_scst_fd_fails_with_ENOTTY()
    {
        int fd = Libc.Open("/dev/null", Libc.O_RDWR | Libc.O_CLOEXEC);
        Assert.True(fd >= 0, Libc.Describe(Libc.LastErrno()));
        try
        {
            // GET_OPTIONS has bit 31 set (0x80147504): it must reach the kernel zero-extended.
            ScstUserOptions options = default;
            Assert.Equal(-1, Libc.Ioctl(fd, ScstUserIoctl.GetOptions, &options));
            Assert.Equal(Errno.ENOTTY, Libc.LastErrno());

            Assert.Equal(-1, Libc.Ioctl(fd, ScstUserIoctl.UnregisterDevice, null));
            Assert.Equal(Errno.ENOTTY, Libc.LastErrno());
        }
        finally
        {
            Assert.Equal(0, Libc.Close(fd));
        }
    }

    [Fact]
    public void Close_of_a_closed_fd_fails_with_EBADF()
    {
        int fd = Libc.Open("/dev/null", Libc.O_RDWR | Libc.O_CLOEXEC);
        Assert.Equal(0, Libc.Close(fd));

        Assert.Equal(-1, Libc.Close(fd));
        Assert.Equal(Errno.EBADF, Libc.LastErrno());
    }

    [Fact]
    public void Open_of_a_missing_path_fails_with_ENOENT()
    {
        Assert.Equal(-1, Libc.Open("/dev/userdisk-no-such-device", Libc.O_RDWR | Libc.O_CLOEXEC));
        Assert.Equal(Errno.ENOENT, Libc.LastErrno());
    }

    [Fact]
    public void Poll_reports_dev_null_readable_and_writable()
    {
        int fd = Libc.Open("/dev/null", Libc.O_RDWR | Libc.O_NONBLOCK | Libc.O_CLOEXEC);
        try
        {
            var entry = new PollFd { Fd = fd, Events = Libc.POLLIN | Libc.POLLOUT };
            Assert.Equal(1, Libc.Poll(&entry, 1, 0));
            Assert.Equal(Libc.POLLIN | Libc.POLLOUT, entry.ReturnedEvents & (Libc.POLLIN | Libc.POLLOUT));
        }
        finally
        {
            Libc.Close(fd);
        }
    }

    [Fact]
    public void Poll_reports_POLLNVAL_for_a_closed_fd()
    {
        int fd = Libc.Open("/dev/null", Libc.O_RDWR | Libc.O_CLOEXEC);
        Libc.Close(fd);

        var entry = new PollFd { Fd = fd, Events = Libc.POLLIN };
        Assert.Equal(1, Libc.Poll(&entry, 1, 0));
        Assert.Equal(Libc.POLLNVAL, entry.ReturnedEvents);
    }

    [Fact]
    public void Pollfd_has_the_kernel_layout()
    {
        Assert.Equal(8, Unsafe.SizeOf<PollFd>());
        Assert.Equal(4, (int)Marshal.OffsetOf<PollFd>(nameof(PollFd.Events)));
        Assert.Equal(6, (int)Marshal.OffsetOf<PollFd>(nameof(PollFd.ReturnedEvents)));
    }

    [Fact]
    public void Anonymous_mapping_can_be_marked_dontfork_written_and_unmapped()
    {
        nuint length = (nuint)Environment.SystemPageSize * 4;
        void* buffer = Libc.MMap(null, length, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS, -1, 0);
        Assert.True(buffer != Libc.MapFailed, Libc.Describe(Libc.LastErrno()));
        Assert.Equal(0, (nint)buffer % Environment.SystemPageSize);

        Assert.Equal(0, Libc.MAdvise(buffer, length, Libc.MADV_DONTFORK));
        new Span<byte>(buffer, (int)length).Fill(0xA5);
        Assert.Equal(0xA5, ((byte*)buffer)[length - 1]);
        Assert.Equal(0, Libc.MUnmap(buffer, length));
    }

    [Fact]
    public void Madvise_on_an_unaligned_address_fails_with_EINVAL()
    {
        nuint length = (nuint)Environment.SystemPageSize;
        void* buffer = Libc.MMap(null, length, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS, -1, 0);
        try
        {
            Assert.Equal(-1, Libc.MAdvise((byte*)buffer + 1, 1, Libc.MADV_DONTFORK));
            Assert.Equal(Errno.EINVAL, Libc.LastErrno());
        }
        finally
        {
            Libc.MUnmap(buffer, length);
        }
    }
}
