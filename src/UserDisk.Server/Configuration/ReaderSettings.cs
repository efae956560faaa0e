namespace UserDisk.Server.Configuration;

/// <summary>What <see cref="UserDiskOptionsReader"/> needs besides the configuration itself.</summary>
public sealed class ReaderSettings
{
    /// <summary>Relative paths (DataDir, SecretFile) are resolved against this directory.</summary>
    public string CurrentDirectory { get; init; } = Environment.CurrentDirectory;

    /// <summary><c>--portal</c>: replaces the portal of every target.</summary>
    public string? PortalOverride { get; init; }

    /// <summary>Configuration keys set from command-line flags (key → flag), so that errors name the flag too.</summary>
    public IReadOnlyDictionary<string, string> FlagKeys { get; init; } = new Dictionary<string, string>();
}
