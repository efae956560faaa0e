namespace UserDisk.Platform.Sysfs;

/// <summary>
/// One initiator's session with a target, as SCST shows it under
/// <c>targets/&lt;driver&gt;/&lt;target&gt;/sessions/&lt;session&gt;/</c> (ABI-SCST-USER.md §10.1). Counters are null
/// when their attribute is missing (older SCST, a driver without it) or could not be read.
/// </summary>
public sealed record ScstSession
{
    public required string Driver { get; init; }

    public required string Target { get; init; }

    /// <summary>
    /// The directory name: the initiator name, with <c>_1</c>, <c>_2</c>… appended by SCST for further sessions of
    /// the same initiator with the same target.
    /// </summary>
    public required string Session { get; init; }

    /// <summary><c>initiator_name</c> (an IQN, a WWPN, scst_local's session name).</summary>
    public required string Initiator { get; init; }

    /// <summary>
    /// The security group whose LUN table the session sees (its <c>luns</c> link), or null for the target's default
    /// table. SCST chooses it when the session is created (§10.3).
    /// </summary>
    public string? Group { get; init; }

    /// <summary>The LUN numbers the session has (its <c>lun&lt;N&gt;</c> directories).</summary>
    public IReadOnlyList<int> Luns { get; init; } = [];

    /// <summary><c>active_commands</c>: commands in flight on all its LUNs now.</summary>
    public long? ActiveCommands { get; init; }

    /// <summary><c>commands</c>: commands the session holds, including those not yet handed to a device.</summary>
    public long? Commands { get; init; }

    /// <summary><c>read_cmd_count</c>.</summary>
    public long? ReadCommands { get; init; }

    /// <summary><c>write_cmd_count</c>.</summary>
    public long? WriteCommands { get; init; }

    /// <summary><c>read_io_count_kb</c>.</summary>
    public long? ReadKiB { get; init; }

    /// <summary><c>write_io_count_kb</c>.</summary>
    public long? WriteKiB { get; init; }
}
