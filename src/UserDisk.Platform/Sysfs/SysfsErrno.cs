namespace UserDisk.Platform.Sysfs;

/// <summary>
/// The Linux errno values that SCST's sysfs answers with (asm-generic numbering, the same on x86_64 and arm64).
/// Management writes report their outcome this way (ABI-SCST-USER.md §10.2, §10.5), so the caller branches on them.
/// </summary>
public enum SysfsErrno
{
    None = 0,
    EPERM = 1,
    ENOENT = 2,
    EINTR = 4,
    EIO = 5,
    ENXIO = 6,
    E2BIG = 7,
    EBADF = 9,
    EAGAIN = 11,
    ENOMEM = 12,
    EACCES = 13,
    EFAULT = 14,
    EBUSY = 16,
    EEXIST = 17,
    ENODEV = 19,
    ENOTDIR = 20,
    EISDIR = 21,
    EINVAL = 22,
    ENOSPC = 28,
    EROFS = 30,
    ERANGE = 34,
    ENAMETOOLONG = 36,
    ENOSYS = 38,
    ETIMEDOUT = 110,
}
