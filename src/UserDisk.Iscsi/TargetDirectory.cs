using System.Net;

namespace UserDisk.Iscsi;

/// <summary>All targets of the server, found by name (case-insensitive: RFC 7143 4.2.7.1 names are normalised).</summary>
internal sealed class TargetDirectory
{
    private readonly Dictionary<string, IscsiTarget> _byName = new(StringComparer.OrdinalIgnoreCase);

    public TargetDirectory(IReadOnlyList<IscsiTargetOptions> targets)
    {
        foreach (var options in targets)
        {
            var target = new IscsiTarget(options);
            if (!_byName.TryAdd(target.Name, target))
            {
                throw new ArgumentException($"Target {target.Name} is configured twice.", nameof(targets));
            }
        }

        Portals = [.. _byName.Values.Select(t => t.Portal).Distinct()];
    }

    public IReadOnlyList<IPEndPoint> Portals { get; }

    public IEnumerable<IscsiTarget> All => _byName.Values;

    public IscsiTarget? Find(string name) => _byName.TryGetValue(name, out var target) ? target : null;
}
