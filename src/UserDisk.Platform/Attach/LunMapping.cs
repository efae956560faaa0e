namespace UserDisk.Platform.Attach;

/// <summary>
/// A device's LUN in one LUN table, as the agent remembers it. Kept after the device vanishes (with
/// <see cref="Added"/> false) so that the device gets the same number when it registers again.
/// </summary>
public sealed record LunMapping
{
    public required string Device { get; init; }

    public required string Driver { get; init; }

    public required string Target { get; init; }

    public string? Group { get; init; }

    public required int Lun { get; init; }

    public bool ReadOnly { get; init; }

    /// <summary>The agent added this LUN and has not seen its device vanish since; only such LUNs are ever deleted.</summary>
    public bool Added { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    internal LunTable Table => new(Driver, Target, Group);
}
