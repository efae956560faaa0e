namespace UserDisk.Server.Configuration;

/// <summary>
/// Section <c>UserDisk:Inventory</c>: images found in an S3 prefix or a folder become read-only LUNs, and go when the
/// image does (DESIGN.md, "Inventory, events and the platform").
/// </summary>
public sealed class InventoryOptions
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(60);

    /// <summary><c>s3://bucket/prefix/</c> or a local folder (absolute after reading).</summary>
    public required string Source { get; init; }

    /// <summary>File-name pattern (<c>*</c> and <c>?</c>) the image's name must match.</summary>
    public string Pattern { get; init; } = "*.squashfs";

    /// <summary>Required S3 object tag (or user metadata) name, or null for none.</summary>
    public string? TagName { get; init; }

    /// <summary>Required value of <see cref="TagName"/>.</summary>
    public string? TagValue { get; init; }

    /// <summary>How often the source is listed again.</summary>
    public TimeSpan Interval { get; init; } = DefaultInterval;

    /// <summary>The configured target projected images join (under the embedded iSCSI target).</summary>
    public required string Target { get; init; }

    /// <summary>The lowest LUN number given to a projected image.</summary>
    public ulong FirstLun { get; init; }

    /// <summary>Prefix of the device names made from image names.</summary>
    public string DevicePrefix { get; init; } = string.Empty;

    public bool IsS3 => Source.StartsWith("s3://", StringComparison.Ordinal);

    public override string ToString() =>
        $"{Source} matching {Pattern}{(TagName is null ? string.Empty : $" tagged {TagName}={TagValue}")} every {Interval.TotalSeconds:0.###} s into {Target} from LUN {FirstLun}";
}
