namespace UserDisk.Platform.Sysfs;

/// <summary>
/// A sysfs write failed: <see cref="SysfsException.Errno"/> is what write(2) returned, or the "-errno" that
/// <c>last_sysfs_mgmt_res</c> reported for a queued command (ABI-SCST-USER.md §10.5), or ETIMEDOUT when the write
/// or the queued command did not finish in time.
/// </summary>
public class SysfsWriteException : SysfsException
{
    public SysfsWriteException()
    {
    }

    public SysfsWriteException(string message)
        : base(message)
    {
    }

    public SysfsWriteException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public SysfsWriteException(string path, string command, SysfsErrno errno, string? detail = null)
        : base(path, errno, $"'{command.TrimEnd()}' > {path}: {Describe(errno)}{(detail is null ? "" : "; " + detail)}")
    {
        Command = command;
    }

    /// <summary>The text that was written (one management command).</summary>
    public string Command { get; } = "";
}
