namespace UserDisk.Server.Hosting;

/// <summary>
/// The logical units this process serves, as <see cref="LogicalUnitService"/> opened them; front ends and the
/// metrics read it. Empty before start and after stop.
/// </summary>
public sealed class LunCatalog
{
    private readonly Lock _lock = new();
    private IReadOnlyList<ServedLun> _luns = [];

    public IReadOnlyList<ServedLun> Luns => Volatile.Read(ref _luns);

    /// <summary>When the backstores were opened (for the uptime in the shutdown summary).</summary>
    public DateTimeOffset? OpenedAt { get; private set; }

    internal void Publish(IReadOnlyList<ServedLun> luns, DateTimeOffset openedAt)
    {
        OpenedAt = openedAt;
        Volatile.Write(ref _luns, luns);
    }

    internal IReadOnlyList<ServedLun> Withdraw()
    {
        lock (_lock)
        {
            return Interlocked.Exchange(ref _luns, []);
        }
    }

    /// <summary>A LUN projected at run time (inventory) joins the catalog: metrics see it, shutdown closes it.</summary>
    internal void Add(ServedLun lun)
    {
        lock (_lock)
        {
            Volatile.Write(ref _luns, [.. _luns, lun]);
        }
    }

    /// <summary>A projected LUN left; the caller closes its backstore.</summary>
    internal bool Remove(ServedLun lun)
    {
        lock (_lock)
        {
            var remaining = _luns.Where(l => !ReferenceEquals(l, lun)).ToList();
            if (remaining.Count == _luns.Count)
            {
                return false;
            }

            Volatile.Write(ref _luns, remaining);
            return true;
        }
    }
}
