namespace UserDisk.Scst.Interop;

/// <summary>
/// The errno values the scst_user/scst_event front end reacts to (asm-generic/errno-base.h and errno.h, shared by
/// x86_64 and arm64), with the meaning each has on these devices (ABI-SCST-USER.md §4, §8.4, §9.1).
/// </summary>
internal enum Errno
{
    /// <summary>Not an error.</summary>
    None = 0,

    /// <summary>REGISTER_DEVICE: license string not accepted (§3.4).</summary>
    EPERM = 1,

    /// <summary>scst_event: unknown event id (NOTIFY_DONE) or no filter matched (DISALLOW).</summary>
    ENOENT = 2,

    /// <summary>A reply named an unknown or dying cmd_h (§8.4).</summary>
    ESRCH = 3,

    /// <summary>A wait was interrupted by a signal.</summary>
    EINTR = 4,

    /// <summary>I/O error.</summary>
    EIO = 5,

    /// <summary>Not an open fd.</summary>
    EBADF = 9,

    /// <summary>Non-blocking fd with nothing ready, or the device is being torn down (§8.3).</summary>
    EAGAIN = 11,

    /// <summary>Out of kernel memory.</summary>
    ENOMEM = 12,

    /// <summary>Permission denied (the device nodes are root-only by default, §2).</summary>
    EACCES = 13,

    /// <summary>A pointer passed to the kernel could not be read or written.</summary>
    EFAULT = 14,

    /// <summary>SET_OPTIONS / FLUSH_CACHE could not suspend SCST activity in 90 s.</summary>
    EBUSY = 16,

    /// <summary>REGISTER_DEVICE: the name is taken; ALLOW_EVENT: identical filter exists.</summary>
    EEXIST = 17,

    /// <summary>Any scst_user ioctl other than REGISTER on an unregistered fd (§2).</summary>
    ENODEV = 19,

    /// <summary>Bad version string, option, reply or unknown request (§4, §8.4).</summary>
    EINVAL = 22,

    /// <summary>ALLOW_EVENT: more than 2048 filters.</summary>
    EMFILE = 24,

    /// <summary>The fd is not a device that knows the request (e.g. /dev/null).</summary>
    ENOTTY = 25,

    /// <summary>REGISTER_DEVICE: the scst_user module is going away.</summary>
    ETXTBSY = 26,

    /// <summary>GET_NEXT_EVENT: the buffer is too small; max_event_size holds the size needed (§9.1).</summary>
    ENOSPC = 28,

    /// <summary>An STPG event was not answered in 60 s.</summary>
    ETIMEDOUT = 110,
}
