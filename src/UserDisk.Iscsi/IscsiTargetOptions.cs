using System.Net;

namespace UserDisk.Iscsi;

/// <summary>One iSCSI target: its name, where it listens, its LUNs and how initiators authenticate.</summary>
public sealed class IscsiTargetOptions
{
    /// <summary>The target's iSCSI name (iqn. or eui. form, RFC 7143 4.2.7).</summary>
    public required string Name { get; init; }

    public string? Alias { get; init; }

    /// <summary>Where the target listens; 127.0.0.1:3260 by default.</summary>
    public IPEndPoint Portal { get; init; } = new(IPAddress.Loopback, 3260);

    /// <summary>Target portal group tag reported at login.</summary>
    public ushort PortalGroupTag { get; init; } = 1;

    public required IReadOnlyList<IscsiLun> Luns { get; init; }

    /// <summary>CHAP credentials; null means AuthMethod=None is accepted.</summary>
    public ChapCredentials? Chap { get; init; }
}
