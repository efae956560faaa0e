namespace UserDisk.Platform.Sysfs;

/// <summary>
/// A sysfs operation failed with <see cref="Errno"/>; <see cref="Path"/> is relative to the SCST root
/// (<c>/sys/kernel/scst_tgt</c> on a real host).
/// </summary>
public class SysfsException : IOException
{
    public SysfsException()
    {
    }

    public SysfsException(string message)
        : base(message)
    {
    }

    public SysfsException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public SysfsException(string path, SysfsErrno errno, string message)
        : base(message)
    {
        Path = path;
        Errno = errno;
        HResult = (int)errno;
    }

    public string Path { get; } = "";

    public SysfsErrno Errno { get; }

    /// <summary>A short reading of an errno, for messages ("ENOENT (no such file or directory)").</summary>
    public static string Describe(SysfsErrno errno) => errno switch
    {
        SysfsErrno.EPERM => "EPERM (operation not permitted)",
        SysfsErrno.ENOENT => "ENOENT (no such file, device, target or LUN)",
        SysfsErrno.EINTR => "EINTR (interrupted)",
        SysfsErrno.EIO => "EIO (I/O error)",
        SysfsErrno.EAGAIN => "EAGAIN (queued, still running in the kernel)",
        SysfsErrno.ENOMEM => "ENOMEM (out of memory)",
        SysfsErrno.EACCES => "EACCES (permission denied)",
        SysfsErrno.EBUSY => "EBUSY (busy)",
        SysfsErrno.EEXIST => "EEXIST (already exists)",
        SysfsErrno.ENODEV => "ENODEV (no such device)",
        SysfsErrno.EINVAL => "EINVAL (invalid argument or command syntax)",
        SysfsErrno.ENOSPC => "ENOSPC (no space)",
        SysfsErrno.ERANGE => "ERANGE (out of range)",
        SysfsErrno.ETIMEDOUT => "ETIMEDOUT (timed out)",
        _ => Enum.IsDefined(errno) ? errno.ToString() : $"errno {(int)errno}",
    };
}
