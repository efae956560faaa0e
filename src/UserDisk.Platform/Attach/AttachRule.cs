using System.Globalization;
using UserDisk.Platform.Sysfs;

namespace UserDisk.Platform.Attach;

/// <summary>
/// Where devices whose name matches <see cref="DevicePattern"/> are exported: a LUN of a target's default LUN table,
/// or of one of its security groups (ABI-SCST-USER.md §10.2, §10.3).
/// </summary>
public sealed record AttachRule
{
    public const string AutoLun = "auto";

    /// <summary>Device name glob: <c>*</c> any run of characters, <c>?</c> one character; case-sensitive, like SCST.</summary>
    public string DevicePattern { get; init; } = "";

    /// <summary>Target driver: <c>qla2x00t</c>, <c>iscsi</c>, <c>scst_local</c>, …</summary>
    public string Driver { get; init; } = "";

    /// <summary>Target name under the driver (an IQN, a WWPN, <c>scst_local_tgt</c>).</summary>
    public string Target { get; init; } = "";

    /// <summary>Security group whose LUN table to use; none = the target's default table.</summary>
    public string? Group { get; init; }

    /// <summary>
    /// <c>auto</c> (the number this device had before, else the lowest free one) or a fixed number 0..16383.
    /// </summary>
    public string Lun { get; init; } = AutoLun;

    public bool ReadOnly { get; init; }

    /// <summary>True for <c>auto</c> (any case).</summary>
    internal bool IsAutoLun => string.Equals(Lun.Trim(), AutoLun, StringComparison.OrdinalIgnoreCase);

    /// <summary>The fixed LUN number, or null for <c>auto</c> (or an invalid value, which validation reports).</summary>
    internal int? FixedLun =>
        !IsAutoLun && int.TryParse(Lun.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int lun) && lun <= ScstSysfs.MaxLun ? lun : null;

    public bool Matches(string device) => DevicePatterns.IsMatch(DevicePattern, device);
}
