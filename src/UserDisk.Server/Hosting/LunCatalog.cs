namespace UserDisk.Server.Hosting;

/// <summary>
/// The logical units this process serves, as <see cref="LogicalUnitService"/> opened them; front ends and the
/// metrics read it. Empty before start and after stop.
/// </summary>
public sealed class LunCatalog
{
    private IReadOnlyList<ServedLun> _luns = [];

    public IReadOnlyList<ServedLun> Luns => Volatile.Read(ref _luns);

    /// <summary>When the backstores were opened (for the uptime in the shutdown summary).</summary>
    public DateTimeOffset? OpenedAt { get; private set; }

    internal void Publish(IReadOnlyList<ServedLun> luns, DateTimeOffset openedAt)
    {
        OpenedAt = openedAt;
        Volatile.Write(ref _luns, luns);
    }

    internal IReadOnlyList<ServedLun> Withdraw() => Interlocked.Exchange(ref _luns, []);
}
