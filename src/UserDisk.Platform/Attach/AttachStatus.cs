namespace UserDisk.Platform.Attach;

/// <summary>A snapshot of the attach agent: every device it has seen, the LUN numbers it remembers, set-up errors.</summary>
public sealed record AttachStatus
{
    public required IReadOnlyList<DeviceAttachStatus> Devices { get; init; }

    public required IReadOnlyList<LunMapping> Mappings { get; init; }

    /// <summary>Failures of the last start-up (enabling targets, creating groups, adding initiators).</summary>
    public required IReadOnlyList<string> SetupErrors { get; init; }

    /// <summary>Management writes that timed out and still block a thread in the kernel.</summary>
    public int HungWrites { get; init; }
}
