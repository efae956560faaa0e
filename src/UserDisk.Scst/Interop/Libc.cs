using System.Runtime.InteropServices;

namespace UserDisk.Scst.Interop;

/// <summary>
/// The libc entry points the scst_user/scst_event front end needs, and nothing else: open/close/ioctl/poll for the
/// device nodes (neither has read/write, ABI-SCST-USER.md §2), and mmap/munmap/madvise for data buffers, which must
/// be native, writable, page-aligned memory marked MADV_DONTFORK (§8.6, §16). Page-aligned heap memory comes from
/// <see cref="NativeMemory.AlignedAlloc(nuint, nuint)"/>, which needs no import here.
/// errno is read once per failed call by <see cref="LastErrno"/> and typed as <see cref="Errno"/>.
/// </summary>
/// <remarks>
/// Linux x86_64/arm64 only (asm-generic values; the two agree on every constant below). <c>open</c> and
/// <c>ioctl</c> are variadic in C; a fixed prototype is fine on these ABIs. ioctl requests are <see cref="nuint"/>
/// so that codes with bit 31 set are zero-extended, never sign-extended (§16).
/// </remarks>
internal static unsafe partial class Libc
{
    private const string LibraryName = "libc";

    // include/uapi/asm-generic/fcntl.h
    public const int O_RDWR = 0x0002;
    public const int O_NONBLOCK = 0x0800;   // 04000; latched by scst_user at REGISTER_DEVICE (§2)
    public const int O_CLOEXEC = 0x80000;   // 02000000

    // include/uapi/asm-generic/poll.h
    public const short POLLIN = 0x0001;
    public const short POLLOUT = 0x0004;
    public const short POLLERR = 0x0008;
    public const short POLLHUP = 0x0010;
    public const short POLLNVAL = 0x0020;   // scst_user fd not registered yet (§2)
    public const short POLLRDNORM = 0x0040;

    // include/uapi/asm-generic/mman-common.h
    public const int PROT_READ = 0x1;
    public const int PROT_WRITE = 0x2;
    public const int MAP_PRIVATE = 0x02;
    public const int MAP_ANONYMOUS = 0x20;
    public const int MADV_DONTFORK = 10;

    /// <summary>mmap's MAP_FAILED, <c>(void *)-1</c>.</summary>
    public static readonly void* MapFailed = (void*)-1;

    /// <summary>open(2). Returns the fd or -1.</summary>
    [LibraryImport(LibraryName, EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int Open(string path, int flags);

    /// <summary>close(2). Closing the last reference of an scst_user fd unregisters its device (§8.10).</summary>
    [LibraryImport(LibraryName, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    /// <summary>ioctl(2) with a pointer argument (or null for the no-argument requests).</summary>
    [LibraryImport(LibraryName, EntryPoint = "ioctl", SetLastError = true)]
    public static partial int Ioctl(int fd, nuint request, void* argument);

    /// <summary>poll(2). Returns the number of ready entries, 0 on timeout, -1 on error.</summary>
    [LibraryImport(LibraryName, EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(PollFd* fds, nuint count, int timeoutMilliseconds);

    /// <summary>mmap(2). Returns <see cref="MapFailed"/> on error.</summary>
    [LibraryImport(LibraryName, EntryPoint = "mmap", SetLastError = true)]
    public static partial void* MMap(void* address, nuint length, int protection, int flags, int fd, long offset);

    /// <summary>munmap(2).</summary>
    [LibraryImport(LibraryName, EntryPoint = "munmap", SetLastError = true)]
    public static partial int MUnmap(void* address, nuint length);

    /// <summary>madvise(2); the front end uses MADV_DONTFORK on pinned data buffers (§8.6).</summary>
    [LibraryImport(LibraryName, EntryPoint = "madvise", SetLastError = true)]
    public static partial int MAdvise(void* address, nuint length, int advice);

    // include/uapi/linux/eventfd.h
    public const int EFD_NONBLOCK = O_NONBLOCK;
    public const int EFD_CLOEXEC = O_CLOEXEC;

    /// <summary>eventfd(2): the workers' wake-up for shutdown and for completions finished off their threads.</summary>
    [LibraryImport(LibraryName, EntryPoint = "eventfd", SetLastError = true)]
    public static partial int EventFd(uint initialValue, int flags);

    /// <summary>read(2), for draining an eventfd.</summary>
    [LibraryImport(LibraryName, EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, void* buffer, nuint count);

    /// <summary>write(2), for signalling an eventfd.</summary>
    [LibraryImport(LibraryName, EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, void* buffer, nuint count);

    /// <summary>The errno of the last failed call above, as the one typed value the front end switches on.</summary>
    public static Errno LastErrno() => (Errno)Marshal.GetLastPInvokeError();

    /// <summary>strerror text for an errno, for messages.</summary>
    public static string Describe(Errno errno) => $"{Marshal.GetPInvokeErrorMessage((int)errno)} ({errno})";
}
