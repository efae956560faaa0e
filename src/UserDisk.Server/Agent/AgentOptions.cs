using UserDisk.Platform.Attach;

namespace UserDisk.Server.Agent;

/// <summary>Section <c>UserDisk:Agent</c> of <c>userdisk attach-agent</c>, which runs on the host, not in the container.</summary>
public sealed class AgentOptions
{
    public const string SectionName = "UserDisk:Agent";

    /// <summary>SCST's sysfs tree.</summary>
    public string SysfsRoot { get; set; } = "/sys/kernel/scst_tgt";

    /// <summary>SCST's event device; empty to rely on the rescan and <see cref="EventsUrl"/> only.</summary>
    public string EventDevice { get; set; } = "/dev/scst_event";

    /// <summary>A UserDisk serve's <c>/events</c> (e.g. http://127.0.0.1:9090/events), or null.</summary>
    public Uri? EventsUrl { get; set; }

    /// <summary>Where the LUN numbers given to each device name are remembered across restarts.</summary>
    public string StateFile { get; set; } = "/var/lib/userdisk/attach-agent.json";

    /// <summary>
    /// A file the agent keeps an scst.conf-style snapshot of what it manages in (targets it enabled, its groups and
    /// initiators, its LUNs), replaced atomically whenever that changes; empty writes none.
    /// </summary>
    public string ConfigSnapshot { get; set; } = "";

    /// <summary>The agent's HTTP endpoint: /status (JSON), /metrics, /healthz.</summary>
    public string Http { get; set; } = "127.0.0.1:9091";

    /// <summary>How often every device is reconciled again, in seconds (events are not persisted).</summary>
    public double RescanSeconds { get; set; } = 60;

    /// <summary>native-shim's libuserdisk_shim.so to read events from its emulator instead of the kernel (tests).</summary>
    public string? Emulator { get; set; }

    public List<AttachTarget> Targets { get; set; } = [];

    public List<AttachGroup> Groups { get; set; } = [];

    public List<AttachRule> Rules { get; set; } = [];

    public AttachPolicy Policy() => new() { Targets = Targets, Groups = Groups, Rules = Rules };
}
