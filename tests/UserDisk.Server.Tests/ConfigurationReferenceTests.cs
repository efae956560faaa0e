using System.Reflection;
using System.Text.RegularExpressions;
using UserDisk.Server.Agent;
using UserDisk.Server.Configuration;

namespace UserDisk.Server.Tests;

/// <summary>docs/configuration.md documents exactly the keys the configuration reader and the agent accept.</summary>
public sealed partial class ConfigurationReferenceTests
{
    [Fact]
    public void Every_section_documents_exactly_the_keys_the_code_accepts()
    {
        var documented = DocumentedKeys();
        var expected = UserDiskOptionsReader.KnownKeys.ToDictionary(k => k.Key, k => k.Value.ToHashSet(StringComparer.Ordinal));
        expected[AgentOptions.SectionName] = typeof(AgentOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite).Select(p => p.Name).ToHashSet(StringComparer.Ordinal);

        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), documented.Keys.Order(StringComparer.Ordinal));
        foreach (var (section, keys) in expected)
        {
            var missing = keys.Except(documented[section]).ToList();
            var stale = documented[section].Except(keys).ToList();
            Assert.True(missing.Count == 0 && stale.Count == 0, $"{section}: undocumented {string.Join(", ", missing)}; not accepted {string.Join(", ", stale)}");
        }
    }

    private static Dictionary<string, HashSet<string>> DocumentedKeys()
    {
        string path = Path.Combine(RepositoryRoot(), "docs", "configuration.md");
        var sections = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        HashSet<string>? current = null;
        foreach (string line in File.ReadLines(path))
        {
            var heading = Heading().Match(line);
            if (heading.Success)
            {
                current = sections[heading.Groups[1].Value] = new HashSet<string>(StringComparer.Ordinal);
                continue;
            }

            var row = Row().Match(line);
            if (row.Success && current is not null)
            {
                current.Add(row.Groups[1].Value);
            }
        }

        return sections;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "UserDisk.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("no UserDisk.sln above the test binaries");
    }

    [GeneratedRegex(@"^## `([^`]+)`")]
    private static partial Regex Heading();

    [GeneratedRegex(@"^\| `([A-Za-z0-9]+)` \|")]
    private static partial Regex Row();
}
