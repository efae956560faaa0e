using UserDisk.Storage;

namespace UserDisk.Server.Configuration;

/// <summary>One logical unit of a target, validated.</summary>
public sealed class LunOptions
{
    /// <summary>The LUN number (0..16383, SAM-5 single-level flat addressing).</summary>
    public required ulong Number { get; init; }

    /// <summary>A name for logs and metrics; also gives memory and null backstores their identity.</summary>
    public required string Name { get; init; }

    /// <summary>The backstore string with <c>{DataDir}</c> resolved, as parsed into <see cref="BackstoreUri"/>.</summary>
    public required string Backstore { get; init; }

    public required BackstoreUri BackstoreUri { get; init; }

    /// <summary>Refuse writes even if the backstore could take them.</summary>
    public bool ReadOnly { get; init; }

    /// <summary>The SCST device name this LUN registers under with the scst_user front end (default: the LUN name).</summary>
    public string? Device { get; init; }

    /// <summary>Where this LUN is configured (<c>UserDisk:Targets:0:Luns:1</c>), for messages about it.</summary>
    public string ConfigurationKey { get; init; } = string.Empty;

    public override string ToString() => $"LUN {Number} '{Name}' {Backstore}{(ReadOnly ? " (read-only)" : string.Empty)}";
}
