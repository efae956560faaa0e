using System.Runtime.InteropServices;

namespace UserDisk.Platform.Interop;

/// <summary>
/// The libc calls behind <see cref="Sysfs.RealSysfsFiles"/>: open/read/write/close, called directly rather than
/// through <see cref="FileStream"/> so that a management write is exactly one write(2) (SCST executes one command
/// per write, ABI-SCST-USER.md §10.2) and so that its errno reaches the caller unchanged. .NET 10 on Linux does put
/// errno into <see cref="IOException.HResult"/> for generic failures (checked: EINVAL → 22, EIO → 5), but ENOENT
/// becomes <see cref="DirectoryNotFoundException"/>/<see cref="FileNotFoundException"/> and EISDIR/EACCES become
/// <see cref="UnauthorizedAccessException"/>, all carrying Windows HRESULTs instead, and ENOENT is an answer SCST
/// gives on purpose (no such device or LUN).
/// </summary>
internal static partial class SysfsLibc
{
    private const string LibraryName = "libc";

    // include/uapi/asm-generic/fcntl.h (identical on x86_64 and arm64)
    public const int O_RDONLY = 0x0000;
    public const int O_WRONLY = 0x0001;
    public const int O_CLOEXEC = 0x80000;

    /// <summary>open(2). Returns the fd or -1.</summary>
    [LibraryImport(LibraryName, EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int Open(string path, int flags);

    /// <summary>close(2).</summary>
    [LibraryImport(LibraryName, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    /// <summary>read(2). Returns the byte count, 0 at end of file, -1 on error.</summary>
    [LibraryImport(LibraryName, EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, [Out] byte[] buffer, nuint count);

    /// <summary>write(2). Returns the byte count or -1.</summary>
    [LibraryImport(LibraryName, EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, byte[] buffer, nuint count);

    /// <summary>errno of the last call above on this thread.</summary>
    public static Sysfs.SysfsErrno LastErrno() => (Sysfs.SysfsErrno)Marshal.GetLastPInvokeError();
}
