namespace UserDisk.Platform.Attach;

/// <summary>A target the agent enables at start-up (and the iSCSI driver with it, ABI-SCST-USER.md §10.4).</summary>
public sealed record AttachTarget
{
    public string Driver { get; init; } = "";

    public string Target { get; init; } = "";
}
