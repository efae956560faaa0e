using UserDisk.Platform.Sysfs;

namespace UserDisk.Platform.Tests;

/// <summary>One write <see cref="SysfsModel"/> saw and what it answered (EAGAIN for a queued one).</summary>
public sealed record ModelWrite(string Path, string Text, SysfsErrno Result);
