using System.Net;

namespace UserDisk.Server.Configuration;

/// <summary>One iSCSI target, validated.</summary>
public sealed class TargetOptions
{
    /// <summary>The target's iSCSI name (RFC 7143 4.2.7): iqn., eui. or naa. form.</summary>
    public required string Name { get; init; }

    public string? Alias { get; init; }

    public required IPEndPoint Portal { get; init; }

    public ChapOptions? Chap { get; init; }

    public required IReadOnlyList<LunOptions> Luns { get; init; }

    public override string ToString() =>
        $"{Name} on {Portal}, {Luns.Count} LUN(s){(Chap is null ? string.Empty : $", {Chap}")}";
}
