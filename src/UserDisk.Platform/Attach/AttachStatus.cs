using UserDisk.Platform.Sysfs;

namespace UserDisk.Platform.Attach;

/// <summary>
/// A snapshot of the attach agent: every device it has seen, the LUN numbers it remembers, the sessions on the
/// targets it manages, and the last errors.
/// </summary>
public sealed record AttachStatus
{
    public required IReadOnlyList<DeviceAttachStatus> Devices { get; init; }

    public required IReadOnlyList<LunMapping> Mappings { get; init; }

    /// <summary>Failures of the last start-up (enabling targets, creating groups, adding initiators).</summary>
    public required IReadOnlyList<string> SetupErrors { get; init; }

    /// <summary>Management writes that timed out and still block a thread in the kernel.</summary>
    public int HungWrites { get; init; }

    /// <summary>
    /// The sessions of every target the policy names, read from sysfs when the status was asked for (only
    /// <see cref="AttachManager.ReadStatusAsync"/> reads them; <see cref="AttachManager.Status"/> leaves this empty).
    /// </summary>
    public IReadOnlyList<ScstSession> Sessions { get; init; } = [];

    /// <summary>What could not be read while listing the sessions (a path and why, or the read timing out).</summary>
    public IReadOnlyList<string> SessionErrors { get; init; } = [];

    /// <summary>Why the last write of the scst.conf snapshot failed; null when it succeeded or none is configured.</summary>
    public string? ConfigSnapshotError { get; init; }
}
