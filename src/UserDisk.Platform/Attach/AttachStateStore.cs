using System.Text.Json;

namespace UserDisk.Platform.Attach;

/// <summary>
/// The LUN numbers the agent has given out, kept in a small JSON file so that a device keeps its number across
/// agent restarts and re-registrations. Saved atomically (temporary file, fsync, rename) so that a crash leaves the
/// old file or the new one, never half of one. Without a path it lives in memory only. Not synchronised: the
/// attach manager calls it under its lock.
/// </summary>
internal sealed class AttachStateStore
{
    private readonly string? _path;
    private readonly List<LunMapping> _mappings;

    private AttachStateStore(string? path, List<LunMapping> mappings)
    {
        _path = path;
        _mappings = mappings;
    }

    public IReadOnlyList<LunMapping> Mappings => _mappings;

    /// <summary>
    /// Reads the state file; a missing file is an empty state. An unreadable one is moved aside (to
    /// <c>&lt;path&gt;.corrupt</c>) and reported through <paramref name="onCorrupt"/>: losing remembered numbers is
    /// better than an agent that cannot start.
    /// </summary>
    public static AttachStateStore Load(string? path, Action<string, Exception> onCorrupt)
    {
        if (path is null || !File.Exists(path))
        {
            return new(path, []);
        }

        try
        {
            using FileStream stream = File.OpenRead(path);
            AttachStateDocument? document = JsonSerializer.Deserialize(stream, AttachStateJson.Default.AttachStateDocument);
            if (document is null || document.Version != AttachStateDocument.CurrentVersion)
            {
                throw new JsonException($"unsupported state version {document?.Version}");
            }

            return new(path, [.. document.Mappings.Where(static m => m is not null)]);
        }
        catch (JsonException e)
        {
            File.Move(path, path + ".corrupt", overwrite: true);
            onCorrupt(path, e);
            return new(path, []);
        }
    }

    public LunMapping? Find(string device, LunTable table) =>
        _mappings.Find(m => m.Device == device && m.Table == table);

    /// <summary>The numbers remembered in <paramref name="table"/> for devices other than <paramref name="device"/>.</summary>
    public HashSet<int> ReservedByOthers(string device, LunTable table) =>
        [.. _mappings.Where(m => m.Table == table && m.Device != device).Select(static m => m.Lun)];

    /// <summary>Records a mapping (replacing this device's earlier one in the table); true when something changed.</summary>
    public bool Set(LunMapping mapping)
    {
        int index = _mappings.FindIndex(m => m.Device == mapping.Device && m.Table == mapping.Table);
        if (index >= 0)
        {
            LunMapping old = _mappings[index];
            if (old.Lun == mapping.Lun && old.ReadOnly == mapping.ReadOnly && old.Added == mapping.Added)
            {
                return false;
            }

            _mappings[index] = mapping;
        }
        else
        {
            _mappings.Add(mapping);
        }

        // Any other device remembered at this number has lost it: the kernel holds this device there now.
        _mappings.RemoveAll(m => m.Table == mapping.Table && m.Lun == mapping.Lun && m.Device != mapping.Device);
        return true;
    }

    public void Save()
    {
        if (_path is null)
        {
            return;
        }

        string? directory = Path.GetDirectoryName(Path.GetFullPath(_path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        string temporary = $"{_path}.{Environment.ProcessId}.tmp";
        var document = new AttachStateDocument { Mappings = [.. _mappings.OrderBy(static m => m.Device, StringComparer.Ordinal).ThenBy(static m => m.Lun)] };
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            JsonSerializer.Serialize(stream, document, AttachStateJson.Default.AttachStateDocument);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, _path, overwrite: true);
    }
}
