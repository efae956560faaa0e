namespace UserDisk.Platform.Attach;

/// <summary>The agent's view of one device.</summary>
public sealed record DeviceAttachStatus
{
    public required string Device { get; init; }

    public required DeviceAttachState State { get; init; }

    public string? Driver { get; init; }

    public string? Target { get; init; }

    public string? Group { get; init; }

    public int? Lun { get; init; }

    public bool ReadOnly { get; init; }

    /// <summary>LUN add commands written for this device since the agent started.</summary>
    public int Attempts { get; init; }

    public string? LastError { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }
}
