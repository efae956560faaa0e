namespace UserDisk.Deployment.Tests;

/// <summary>A systemd unit file: sections of keys, each key with every value it was given (in order).</summary>
internal sealed class SystemdUnit
{
    private readonly Dictionary<string, Dictionary<string, List<string>>> _sections = new(StringComparer.Ordinal);

    public static SystemdUnit Load(string path)
    {
        var unit = new SystemdUnit();
        Dictionary<string, List<string>>? section = null;
        foreach (string raw in File.ReadAllLines(path))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }

            if (line[0] == '[')
            {
                string name = line.Trim('[', ']');
                section = new Dictionary<string, List<string>>(StringComparer.Ordinal);
                Assert.True(unit._sections.TryAdd(name, section), $"{path}: section [{name}] appears twice");
                continue;
            }

            Assert.True(section is not null, $"{path}: '{line}' is outside any section");
            Assert.False(line.EndsWith('\\'), $"{path}: continuation lines are not expected");
            int equals = line.IndexOf('=', StringComparison.Ordinal);
            Assert.True(equals > 0, $"{path}: '{line}' is not KEY=VALUE");
            string key = line[..equals].Trim();
            if (!section.TryGetValue(key, out List<string>? values))
            {
                values = [];
                section[key] = values;
            }

            values.Add(line[(equals + 1)..].Trim());
        }

        return unit;
    }

    public IReadOnlyList<string> Values(string section, string key) =>
        _sections.TryGetValue(section, out Dictionary<string, List<string>>? keys) && keys.TryGetValue(key, out List<string>? values) ? values : [];

    /// <summary>The value in effect (the last one), or null.</summary>
    public string? Value(string section, string key)
    {
        IReadOnlyList<string> values = Values(section, key);
        return values.Count == 0 ? null : values[^1];
    }
}
