using UserDisk.Platform.Attach;
using UserDisk.Platform.Sysfs;

namespace UserDisk.Platform.Tests;

/// <summary>
/// A modelled SCST with an iSCSI target, an FC target and scst_local, plus a state directory; builds attach
/// managers over them with test-sized timeouts.
/// </summary>
public sealed class AgentHarness : IDisposable
{
    public const string Iqn = "iqn.2024-01.example:t1";
    public const string Wwpn = "21:00:00:24:ff:00:00:01";
    public const string LocalTarget = "scst_local_tgt";

    private readonly List<IDisposable> _owned = [];

    public AgentHarness()
    {
        Model.AddTarget("iscsi", Iqn);
        Model.AddTarget("qla2x00t", Wwpn);
        Model.AddTarget("scst_local", LocalTarget);
    }

    public SysfsModel Model { get; } = new();

    public TempDirectory Directory { get; } = new();

    public string StatePath => Directory.File("attach-state.json");

    public string SnapshotPath => Directory.File("scst.conf");

    /// <summary>The manager options tests start from: the state file, short back-off, no snapshot.</summary>
    public AttachManagerOptions ManagerOptions => new()
    {
        StateFilePath = StatePath,
        InitialBackoff = TimeSpan.FromMilliseconds(5),
        MaxBackoff = TimeSpan.FromMilliseconds(20),
    };

    public static ScstSysfsOptions FastSysfs { get; } = new()
    {
        WriteTimeout = TimeSpan.FromSeconds(10),
        MgmtPollInterval = TimeSpan.FromMilliseconds(5),
        MgmtResultTimeout = TimeSpan.FromSeconds(10),
    };

    public ScstSysfs Sysfs(ScstSysfsOptions? options = null) => new(Model, options ?? FastSysfs);

    public AttachManager Manager(
        AttachPolicy policy,
        CapturingLogger<AttachManager>? logger = null,
        ScstSysfsOptions? sysfs = null,
        AttachManagerOptions? options = null)
    {
        var manager = new AttachManager(
            Sysfs(sysfs),
            policy,
            options ?? ManagerOptions,
            logger);
        _owned.Add(manager);
        return manager;
    }

    /// <summary>Every disk* device goes to the iSCSI target's default LUN table with auto numbers.</summary>
    public static AttachPolicy IscsiAuto(bool readOnly = false) => new()
    {
        Rules = [new AttachRule { DevicePattern = "disk*", Driver = "iscsi", Target = Iqn, ReadOnly = readOnly }],
        Targets = [new AttachTarget { Driver = "iscsi", Target = Iqn }],
    };

    /// <summary>The LUN add commands written so far.</summary>
    public IReadOnlyList<ModelWrite> LunAdds => [.. Model.Writes.Where(static w => w.Path.EndsWith("/luns/mgmt", StringComparison.Ordinal) && w.Text.StartsWith("add ", StringComparison.Ordinal))];

    public void Dispose()
    {
        foreach (IDisposable owned in _owned)
        {
            owned.Dispose();
        }

        Model.Dispose();
        Directory.Dispose();
    }
}
