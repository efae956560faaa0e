namespace UserDisk.Platform.Attach;

/// <summary>
/// A security group the agent creates at start-up, with its initiator names or patterns (<c>*</c>, <c>?</c>, leading
/// <c>!</c>; ABI-SCST-USER.md §10.3). Initiators in it see the group's LUN table instead of the target's default one.
/// </summary>
public sealed record AttachGroup
{
    public string Driver { get; init; } = "";

    public string Target { get; init; } = "";

    public string Group { get; init; } = "";

    public IReadOnlyList<string> Initiators { get; init; } = [];
}
