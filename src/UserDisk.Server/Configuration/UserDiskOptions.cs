using System.Net;

namespace UserDisk.Server.Configuration;

/// <summary>
/// The validated configuration of <c>userdisk serve</c> (section <see cref="SectionName"/>), as
/// <see cref="UserDiskOptionsReader"/> builds it from appsettings.json, the <c>--config</c> file,
/// <c>USERDISK__</c> environment variables and command-line flags.
/// </summary>
public sealed record UserDiskOptions
{
    public const string SectionName = "UserDisk";

    public static readonly IPEndPoint DefaultHttp = new(IPAddress.Loopback, 9090);

    public static readonly IPEndPoint DefaultPortal = new(IPAddress.Loopback, 3260);

    public static readonly TimeSpan DefaultShutdownTimeout = TimeSpan.FromSeconds(10);

    public const string DefaultDataDir = ".data";

    public required IReadOnlyList<TargetOptions> Targets { get; init; }

    /// <summary>Where the HTTP endpoint (/metrics, /healthz, /readyz) listens.</summary>
    public IPEndPoint Http { get; init; } = DefaultHttp;

    /// <summary>How long in-flight commands may take to finish on SIGTERM/SIGINT before connections are closed.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = DefaultShutdownTimeout;

    public FrontendKind Frontend { get; init; } = FrontendKind.Auto;

    /// <summary>The scst_user front end's settings (section <c>UserDisk:Scst</c>).</summary>
    public ScstOptions Scst { get; init; } = new();

    /// <summary>How s3:// backstores and inventory reach S3 (section <c>UserDisk:S3</c>).</summary>
    public UserDisk.Storage.S3.S3Options S3 { get; init; } = new();

    /// <summary>Lifecycle events: replay depth and webhooks (section <c>UserDisk:Events</c>).</summary>
    public EventsOptions Events { get; init; } = new();

    /// <summary>Inventory projection (section <c>UserDisk:Inventory</c>), or null when not configured.</summary>
    public InventoryOptions? Inventory { get; init; }

    /// <summary>The absolute data directory; <c>{DataDir}</c> in a backstore string stands for it.</summary>
    public required string DataDir { get; init; }

    public override string ToString() =>
        $"{Targets.Count} target(s), HTTP on {Http}, front end {Frontend.ToString().ToLowerInvariant()}, shutdown timeout {ShutdownTimeout.TotalSeconds:0.###} s, data in {DataDir}";
}
