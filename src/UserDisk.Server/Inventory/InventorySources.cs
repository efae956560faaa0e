namespace UserDisk.Server.Inventory;

/// <summary>How an image name becomes a backstore, and the source for a configuration.</summary>
public static class InventorySources
{
    /// <summary>
    /// squashfs images (.squashfs, .sqfs) are validated and projected as squashfs; anything else the pattern lets
    /// through is served as a plain read-only image.
    /// </summary>
    public static string BackstoreFor(string name, string location)
    {
        ArgumentNullException.ThrowIfNull(name);
        bool squashfs = name.EndsWith(".squashfs", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".sqfs", StringComparison.OrdinalIgnoreCase);
        if (squashfs)
        {
            return "squashfs:" + location;
        }

        return location.StartsWith("s3://", StringComparison.Ordinal) ? location : $"file:{location}?ro";
    }
}
