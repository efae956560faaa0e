namespace UserDisk.Platform.Attach;

/// <summary>The JSON shape of the agent's state file (version 1).</summary>
internal sealed record AttachStateDocument
{
    public const int CurrentVersion = 1;

    public int Version { get; init; } = CurrentVersion;

    public IReadOnlyList<LunMapping> Mappings { get; init; } = [];
}
