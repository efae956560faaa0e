namespace UserDisk.Platform.Sysfs;

/// <summary>
/// The seam between the attach agent and the kernel: the few file operations SCST's sysfs needs, on paths relative
/// to the SCST root (<c>/sys/kernel/scst_tgt</c>), '/'-separated, e.g. <c>targets/iscsi/enabled</c>.
/// <see cref="RealSysfsFiles"/> is the real tree; tests use an in-memory model with the kernel's semantics.
/// </summary>
public interface ISysfsFiles
{
    /// <summary>True when a file, directory or link exists at <paramref name="path"/>.</summary>
    bool Exists(string path);

    /// <summary>The entry names (not paths) in <paramref name="directory"/>; <see cref="SysfsException"/> if absent.</summary>
    IReadOnlyList<string> List(string directory);

    /// <summary>
    /// The whole content of an attribute. A symbolic link reads as its target path (readlink), because SCST's links
    /// (<c>luns/&lt;N&gt;/device</c>, <c>devices/&lt;dev&gt;/handler</c>) point at directories and name what they
    /// refer to in their last segment. Failures throw <see cref="SysfsException"/> with the errno (some SCST reads
    /// fail with EAGAIN while management work runs, §10.5).
    /// </summary>
    string Read(string path);

    /// <summary>
    /// Writes <paramref name="text"/> with exactly one write(2), because SCST executes one command per write
    /// (§10.2). Failures throw <see cref="SysfsWriteException"/> with the errno: EAGAIN means the command was queued
    /// and its result will appear in <c>last_sysfs_mgmt_res</c> (§10.5); EEXIST, ENOENT, EINVAL are answers.
    /// May block for as long as the kernel takes: callers bound it in time (<see cref="ScstSysfs"/> does).
    /// </summary>
    void Write(string path, string text);
}
