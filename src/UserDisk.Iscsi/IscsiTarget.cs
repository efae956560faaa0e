using System.Net;
using UserDisk.Scsi;

namespace UserDisk.Iscsi;

/// <summary>A configured target at run time: its LUN table and identity.</summary>
internal sealed class IscsiTarget
{
    private readonly Dictionary<ulong, LogicalUnit> _luns;
    private readonly IReadOnlyList<ulong> _lunNumbers;
    private readonly Dictionary<LogicalUnit, LatencyTags> _latencyTags = [];

    public IscsiTarget(IscsiTargetOptions options)
    {
        Name = options.Name;
        Alias = options.Alias;
        Portal = options.Portal;
        PortalGroupTag = options.PortalGroupTag;
        Chap = options.Chap;
        _luns = [];
        foreach (var lun in options.Luns)
        {
            if (!_luns.TryAdd(lun.Number, lun.Unit))
            {
                throw new ArgumentException($"Target {options.Name} has LUN {lun.Number} twice.", nameof(options));
            }

            _latencyTags[lun.Unit] = new LatencyTags(options.Name, lun.Number);

            // REPORT LUNS reaches the engine through whichever LUN it is addressed to.
            lun.Unit.LunInventory ??= () => _lunNumbers!;
        }

        _lunNumbers = [.. _luns.Keys.Order()];
    }

    public string Name { get; }

    public string? Alias { get; }

    public IPEndPoint Portal { get; }

    public ushort PortalGroupTag { get; }

    public ChapCredentials? Chap { get; }

    public IReadOnlyList<ulong> LunNumbers => _lunNumbers;

    public IEnumerable<LogicalUnit> Units => _luns.Values;

    public LogicalUnit? Find(ulong lun) => _luns.TryGetValue(lun, out var unit) ? unit : null;

    public LatencyTags LatencyTagsOf(LogicalUnit unit) => _latencyTags[unit];
}
