using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace UserDisk.Storage.Interop;

/// <summary>
/// Every libc entry point the backstores use, and nothing else. Each is a thin source-generated P/Invoke with
/// ints, longs, pointers and <see cref="SafeFileHandle"/> (the generated marshaller adds and releases a reference
/// around the call, so a concurrent Dispose cannot recycle the fd under a running call). errno is read once with
/// <see cref="Marshal.GetLastPInvokeError"/> and turned into a <see cref="BackstoreError"/> by <see cref="ToBackstoreError"/>.
/// </summary>
/// <remarks>
/// Linux on 64-bit targets only: <c>off_t</c> is taken to be 64 bits. The flag values below are the asm-generic
/// ones shared by x86_64 and arm64 except where noted. <c>open</c> and <c>ioctl</c> are variadic in C; calling them
/// with a fixed prototype is fine on the x86_64 and arm64 Linux ABIs (variadic integer arguments travel in the
/// same registers), which is also what Tmds.LibC and Mono.Posix do.
/// </remarks>
internal static unsafe partial class Libc
{
    private const string LibraryName = "libc";

    // include/uapi/asm-generic/fcntl.h (x86_64 and arm64 agree on these).
    public const int O_RDONLY = 0x0000;
    public const int O_RDWR = 0x0002;
    public const int O_CREAT = 0x0040;      // 0100
    public const int O_EXCL = 0x0080;       // 0200
    public const int O_CLOEXEC = 0x80000;   // 02000000

    // O_DIRECT differs by architecture: arch/x86/include/uapi/asm/fcntl.h uses the asm-generic 040000,
    // arch/arm64/include/uapi/asm/fcntl.h overrides it with 0200000.
    private const int O_DIRECT_X64 = 0x4000;    // 040000
    private const int O_DIRECT_ARM64 = 0x10000; // 0200000

    // include/uapi/linux/fcntl.h
    public const int AT_EMPTY_PATH = 0x1000;

    // include/uapi/linux/stat.h: statx mask bits and file type bits.
    public const uint STATX_TYPE = 0x0001;
    public const uint STATX_MODE = 0x0002;
    public const uint STATX_INO = 0x0100;
    public const uint STATX_SIZE = 0x0200;
    public const uint STATX_DIOALIGN = 0x2000;
    public const int S_IFMT = 0xF000;   // 0170000
    public const int S_IFREG = 0x8000;  // 0100000
    public const int S_IFBLK = 0x6000;  // 0060000

    // include/uapi/linux/falloc.h
    public const int FALLOC_FL_KEEP_SIZE = 0x01;
    public const int FALLOC_FL_PUNCH_HOLE = 0x02;

    // include/uapi/linux/fs.h (whence values for lseek)
    public const int SEEK_DATA = 3;
    public const int SEEK_HOLE = 4;

    // include/uapi/linux/fs.h: BLKGETSIZE64 = _IOR(0x12, 114, size_t), BLKSSZGET = _IO(0x12, 104).
    public const nuint BLKGETSIZE64 = 0x80081272;
    public const nuint BLKSSZGET = 0x1268;

    // include/uapi/asm-generic/errno-base.h and errno.h (shared by x86_64 and arm64).
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int EINTR = 4;
    public const int EIO = 5;
    public const int ENXIO = 6;
    public const int EBADF = 9;
    public const int EAGAIN = 11;
    public const int ENOMEM = 12;
    public const int EACCES = 13;
    public const int EBUSY = 16;
    public const int EEXIST = 17;
    public const int ENODEV = 19;
    public const int EISDIR = 21;
    public const int EINVAL = 22;
    public const int EFBIG = 27;
    public const int ENOSPC = 28;
    public const int EROFS = 30;
    public const int ENODATA = 61;
    public const int EBADMSG = 74;
    public const int EOPNOTSUPP = 95;
    public const int ETIMEDOUT = 110;
    public const int ESTALE = 116;
    public const int EUCLEAN = 117;
    public const int EDQUOT = 122;
    public const int ENOMEDIUM = 123;

    /// <summary>The O_DIRECT bit for the running architecture, or 0 when this code does not know it.</summary>
    public static int O_DIRECT => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => O_DIRECT_X64,
        Architecture.Arm64 => O_DIRECT_ARM64,
        _ => 0,
    };

    /// <summary>open(2). Returns the fd or -1.</summary>
    [LibraryImport(LibraryName, EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int Open(string path, int flags, uint mode);

    /// <summary>fdatasync(2): data and the metadata needed to read it back, plus a device cache flush.</summary>
    [LibraryImport(LibraryName, EntryPoint = "fdatasync", SetLastError = true)]
    public static partial int FDataSync(SafeFileHandle fd);

    /// <summary>fallocate(2).</summary>
    [LibraryImport(LibraryName, EntryPoint = "fallocate", SetLastError = true)]
    public static partial int FAllocate(SafeFileHandle fd, int mode, long offset, long length);

    /// <summary>lseek(2); used only with SEEK_DATA / SEEK_HOLE.</summary>
    [LibraryImport(LibraryName, EntryPoint = "lseek", SetLastError = true)]
    public static partial long LSeek(SafeFileHandle fd, long offset, int whence);

    /// <summary>ioctl(2) for requests that return a 64-bit value (BLKGETSIZE64).</summary>
    [LibraryImport(LibraryName, EntryPoint = "ioctl", SetLastError = true)]
    public static partial int IoctlUInt64(SafeFileHandle fd, nuint request, ulong* value);

    /// <summary>ioctl(2) for requests that return an int (BLKSSZGET).</summary>
    [LibraryImport(LibraryName, EntryPoint = "ioctl", SetLastError = true)]
    public static partial int IoctlInt32(SafeFileHandle fd, nuint request, int* value);

    /// <summary>statx(2) (glibc 2.28+); with an empty path and AT_EMPTY_PATH it describes the open fd itself.</summary>
    [LibraryImport(LibraryName, EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int StatX(SafeFileHandle dirfd, string path, int flags, uint mask, Statx* buffer);

    /// <summary>realpath(3) with a NULL buffer: returns a malloc'd string that must be passed to <see cref="Free"/>.</summary>
    [LibraryImport(LibraryName, EntryPoint = "realpath", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial byte* RealPath(string path, byte* resolved);

    [LibraryImport(LibraryName, EntryPoint = "free")]
    public static partial void Free(void* pointer);

    /// <summary>statx on an open fd.</summary>
    public static int FStatX(SafeFileHandle fd, uint mask, out Statx result)
    {
        Statx buffer = default;
        int rc = StatX(fd, string.Empty, AT_EMPTY_PATH, mask, &buffer);
        result = buffer;
        return rc;
    }

    /// <summary>The canonical absolute path (all symbolic links, "." and ".." resolved), or null with errno set.</summary>
    public static string? CanonicalPath(string path)
    {
        byte* resolved = RealPath(path, null);
        if (resolved == null)
        {
            return null;
        }

        try
        {
            return Marshal.PtrToStringUTF8((nint)resolved);
        }
        finally
        {
            Free(resolved);
        }
    }

    /// <summary>strerror text for an errno, for messages.</summary>
    public static string Describe(int errno) => $"{Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})";

    /// <summary>
    /// The one place errno becomes a <see cref="BackstoreError"/>. <paramref name="writing"/> distinguishes a write
    /// refused by permissions or a read-only mount (DATA PROTECT) from the same errno on another path.
    /// </summary>
    public static BackstoreError ToBackstoreError(int errno, bool writing) => errno switch
    {
        ENOSPC or EDQUOT or EFBIG => BackstoreError.NoSpace,
        EIO or ENODATA or EBADMSG or EUCLEAN => BackstoreError.MediumError,
        EROFS or EACCES or EPERM => writing ? BackstoreError.WriteProtected : BackstoreError.NotReady,
        EINVAL or EOPNOTSUPP or EISDIR => BackstoreError.InvalidArgument,
        EINTR or EAGAIN or ENOMEM or EBUSY or ETIMEDOUT => BackstoreError.Transient,
        ENOENT or ENODEV or ENXIO or ESTALE or ENOMEDIUM or EBADF => BackstoreError.NotReady,
        _ => BackstoreError.MediumError,
    };
}
