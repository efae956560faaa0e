namespace UserDisk.Server.Configuration;

/// <summary>Section <c>UserDisk:Scst</c>: how the scst_user front end registers and serves devices.</summary>
public sealed class ScstOptions
{
    /// <summary>The handler device node.</summary>
    public string DevicePath { get; init; } = "/dev/scst_user";

    /// <summary>Worker threads per device.</summary>
    public int WorkerThreads { get; init; } = 2;

    /// <summary>Subcommands fetched per REPLY_AND_GET_MULTI call.</summary>
    public int CommandsPerCall { get; init; } = 16;

    /// <summary>Ask SCST for ON_FREE_CMD (per-command delivery statistics, one more round trip per command).</summary>
    public bool NotifyOnFree { get; init; }

    /// <summary>DEV_USER_VERSION to send instead of discovering it (ABI-SCST-USER.md §3.3); null discovers.</summary>
    public string? Version { get; init; }

    /// <summary>
    /// Path of native-shim's libuserdisk_shim.so to serve through its kernel emulator instead of /dev/scst_user
    /// (tests, demos). Null: the real kernel.
    /// </summary>
    public string? Emulator { get; init; }

    /// <summary>The layout table checked at start-up; null looks next to the executable, then in native-shim/build.</summary>
    public string? AbiTable { get; init; }

    /// <summary>How long shutdown waits for commands the handler holds before closing the device.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Times a faulted device is registered again within a minute before the process gives up.</summary>
    public int MaxRestartsPerMinute { get; init; } = 3;
}
