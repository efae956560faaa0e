using System.Net;
using UserDisk.Scsi;

namespace UserDisk.Iscsi;

/// <summary>A configured target at run time: its LUN table and identity.</summary>
/// <remarks>
/// The LUN table is an immutable snapshot swapped on change, so the command path reads it without a lock while
/// inventory projection adds and removes LUNs (DESIGN.md, "Inventory").
/// </remarks>
internal sealed class IscsiTarget
{
    private readonly Lock _lock = new();
    private volatile LunMap _map;

    public IscsiTarget(IscsiTargetOptions options)
    {
        Name = options.Name;
        Alias = options.Alias;
        Portal = options.Portal;
        PortalGroupTag = options.PortalGroupTag;
        Chap = options.Chap;
        var units = new Dictionary<ulong, LogicalUnit>();
        var tags = new Dictionary<LogicalUnit, LatencyTags>();
        foreach (var lun in options.Luns)
        {
            if (!units.TryAdd(lun.Number, lun.Unit))
            {
                throw new ArgumentException($"Target {options.Name} has LUN {lun.Number} twice.", nameof(options));
            }

            tags[lun.Unit] = new LatencyTags(options.Name, lun.Number);

            // REPORT LUNS reaches the engine through whichever LUN it is addressed to.
            lun.Unit.LunInventory ??= () => _map!.Numbers;
        }

        _map = new LunMap(units, tags);
    }

    public string Name { get; }

    public string? Alias { get; }

    public IPEndPoint Portal { get; }

    public ushort PortalGroupTag { get; }

    public ChapCredentials? Chap { get; }

    public IReadOnlyList<ulong> LunNumbers => _map.Numbers;

    public IEnumerable<LogicalUnit> Units => _map.Units.Values;

    public LogicalUnit? Find(ulong lun) => _map.Units.TryGetValue(lun, out var unit) ? unit : null;

    /// <summary>The unit's latency tags; a unit removed while its command ran gets fresh ones.</summary>
    public LatencyTags LatencyTagsOf(LogicalUnit unit, ulong lun) =>
        _map.Tags.TryGetValue(unit, out var tags) ? tags : new LatencyTags(Name, lun);

    /// <summary>
    /// Adds a LUN; every session's other LUNs report REPORTED LUNS DATA HAS CHANGED (SPC-5) so initiators rescan.
    /// </summary>
    public void Add(IscsiLun lun)
    {
        lock (_lock)
        {
            var current = _map;
            if (current.Units.ContainsKey(lun.Number))
            {
                throw new ArgumentException($"Target {Name} already has LUN {lun.Number}.", nameof(lun));
            }

            var units = new Dictionary<ulong, LogicalUnit>(current.Units) { [lun.Number] = lun.Unit };
            var tags = new Dictionary<LogicalUnit, LatencyTags>(current.Tags) { [lun.Unit] = new LatencyTags(Name, lun.Number) };
            lun.Unit.LunInventory ??= () => _map.Numbers;
            _map = new LunMap(units, tags);
            AnnounceChange(current.Units.Values);
        }
    }

    /// <summary>Removes a LUN (new commands to it get LOGICAL UNIT NOT SUPPORTED); null if there was none.</summary>
    public LogicalUnit? Remove(ulong number)
    {
        lock (_lock)
        {
            var current = _map;
            if (!current.Units.TryGetValue(number, out var removed))
            {
                return null;
            }

            var units = new Dictionary<ulong, LogicalUnit>(current.Units);
            units.Remove(number);
            var tags = new Dictionary<LogicalUnit, LatencyTags>(current.Tags);
            tags.Remove(removed);
            _map = new LunMap(units, tags);
            AnnounceChange(units.Values);
            return removed;
        }
    }

    private static void AnnounceChange(IEnumerable<LogicalUnit> units)
    {
        foreach (var unit in units)
        {
            unit.EstablishUnitAttention(UnitAttention.ReportedLunsDataChanged);
        }
    }

    private sealed class LunMap(Dictionary<ulong, LogicalUnit> units, Dictionary<LogicalUnit, LatencyTags> tags)
    {
        public Dictionary<ulong, LogicalUnit> Units { get; } = units;

        public Dictionary<LogicalUnit, LatencyTags> Tags { get; } = tags;

        public IReadOnlyList<ulong> Numbers { get; } = [.. units.Keys.Order()];
    }
}
