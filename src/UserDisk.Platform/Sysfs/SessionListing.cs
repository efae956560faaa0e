namespace UserDisk.Platform.Sysfs;

/// <summary>
/// The sessions read from sysfs, and what could not be read (each item names the path and the reason). A failed
/// read leaves a gap, never an exception: status must show what it can.
/// </summary>
public sealed record SessionListing(IReadOnlyList<ScstSession> Sessions, IReadOnlyList<string> Errors)
{
    public static SessionListing Empty { get; } = new([], []);
}
