using System.Runtime.InteropServices;

namespace UserDisk.Scst.Interop;

/// <summary>
/// The four calls through which the front end talks to the scst_user/scst_event "kernel": libc's open/ioctl/poll/
/// close on an SCST host, or the same-shaped entry points of native-shim's emulator in tests and benchmarks
/// (DESIGN.md). Unmanaged function pointers keep both paths equally cheap: no delegate, no marshalling, no
/// allocation per call. errno is read right after each failed call, as LibraryImport's SetLastError does.
/// </summary>
internal sealed unsafe class ScstDeviceCalls
{
    private readonly delegate* unmanaged<byte*, int, int> _open;
    private readonly delegate* unmanaged<int, nuint, void*, int> _ioctl;
    private readonly delegate* unmanaged<PollFd*, nuint, int, int> _poll;
    private readonly delegate* unmanaged<int, int> _close;

    private ScstDeviceCalls(string description, nint open, nint ioctl, nint poll, nint close)
    {
        Description = description;
        _open = (delegate* unmanaged<byte*, int, int>)open;
        _ioctl = (delegate* unmanaged<int, nuint, void*, int>)ioctl;
        _poll = (delegate* unmanaged<PollFd*, nuint, int, int>)poll;
        _close = (delegate* unmanaged<int, int>)close;
    }

    /// <summary>What the calls go to, for logs ("libc" or the emulator library's path).</summary>
    public string Description { get; }

    /// <summary>True when the calls go to the emulator rather than the kernel.</summary>
    public bool IsEmulator { get; private init; }

    /// <summary>The DEV_USER_VERSION the emulator accepts (null for the kernel, whose string is discovered).</summary>
    public string? EmulatorVersion { get; private init; }

    /// <summary>The real kernel, through libc.</summary>
    public static ScstDeviceCalls Kernel { get; } = CreateKernel();

    /// <summary>
    /// The emulator's <c>userdisk_emu_open/ioctl/poll/close</c> exported by <paramref name="libraryPath"/>
    /// (native-shim/build/libuserdisk_shim.so).
    /// </summary>
    public static ScstDeviceCalls Emulator(string libraryPath)
    {
        var library = NativeLibrary.Load(libraryPath);
        return new ScstDeviceCalls(
            libraryPath,
            NativeLibrary.GetExport(library, "userdisk_emu_open"),
            NativeLibrary.GetExport(library, "userdisk_emu_ioctl"),
            NativeLibrary.GetExport(library, "userdisk_emu_poll"),
            NativeLibrary.GetExport(library, "userdisk_emu_close"))
        {
            IsEmulator = true,
            EmulatorVersion = Marshal.PtrToStringUTF8((nint)((delegate* unmanaged<byte*>)NativeLibrary.GetExport(library, "userdisk_emu_version"))()),
        };
    }

    /// <summary>Calls through arbitrary entry points of the four shapes (tests put a fault injector in front of the emulator).</summary>
    internal static ScstDeviceCalls Create(string description, nint open, nint ioctl, nint poll, nint close, bool isEmulator) =>
        new(description, open, ioctl, poll, close) { IsEmulator = isEmulator };

    private static ScstDeviceCalls CreateKernel()
    {
        var libc = NativeLibrary.Load("libc.so.6");
        return new ScstDeviceCalls(
            "libc",
            NativeLibrary.GetExport(libc, "open"),
            NativeLibrary.GetExport(libc, "ioctl"),
            NativeLibrary.GetExport(libc, "poll"),
            NativeLibrary.GetExport(libc, "close"));
    }

    /// <summary>open(2) of a device node; the fd, or the errno.</summary>
    public int Open(string path, int flags, out Errno errno)
    {
        Span<byte> name = stackalloc byte[256];
        int length = System.Text.Encoding.UTF8.GetBytes(path, name[..^1]);
        name[length] = 0;
        fixed (byte* p = name)
        {
            Marshal.SetLastSystemError(0);
            int fd = _open(p, flags);
            errno = fd < 0 ? (Errno)Marshal.GetLastSystemError() : Errno.None;
            return fd;
        }
    }

    /// <summary>ioctl(2): <see cref="Errno.None"/> on success, else the errno.</summary>
    public Errno Ioctl(int fd, uint request, void* argument)
    {
        Marshal.SetLastSystemError(0);
        int result = _ioctl(fd, request, argument);
        return result < 0 ? (Errno)Marshal.GetLastSystemError() : Errno.None;
    }

    /// <summary>poll(2): the number of ready entries (0 on timeout), or -1 with <paramref name="errno"/>.</summary>
    public int Poll(PollFd* fds, int count, int timeoutMilliseconds, out Errno errno)
    {
        Marshal.SetLastSystemError(0);
        int result = _poll(fds, (nuint)count, timeoutMilliseconds);
        errno = result < 0 ? (Errno)Marshal.GetLastSystemError() : Errno.None;
        return result;
    }

    /// <summary>close(2); the last reference of an scst_user fd unregisters its device (§8.10).</summary>
    public Errno Close(int fd)
    {
        Marshal.SetLastSystemError(0);
        return _close(fd) < 0 ? (Errno)Marshal.GetLastSystemError() : Errno.None;
    }
}
