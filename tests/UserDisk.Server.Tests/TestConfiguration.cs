using Microsoft.Extensions.Configuration;
using UserDisk.Server.Configuration;

namespace UserDisk.Server.Tests;

/// <summary>Builds configurations from key/value pairs and reads them the way <c>serve</c> does.</summary>
public static class TestConfiguration
{
    /// <summary>One valid target with one memory LUN; tests add or override keys.</summary>
    public static readonly IReadOnlyDictionary<string, string?> Minimal = new Dictionary<string, string?>
    {
        ["UserDisk:Targets:0:Name"] = "iqn.2026-11.io.userdisk:test",
        ["UserDisk:Targets:0:Luns:0:Number"] = "0",
        ["UserDisk:Targets:0:Luns:0:Backstore"] = "memory:16M",
    };

    public static IConfigurationRoot Build(IEnumerable<KeyValuePair<string, string?>> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build();

    /// <summary>Reads <see cref="Minimal"/> with <paramref name="changes"/> applied (a null value removes a key).</summary>
    public static OptionsReadResult Read(params (string Key, string? Value)[] changes) => Read(new ReaderSettings(), changes);

    public static OptionsReadResult Read(ReaderSettings settings, params (string Key, string? Value)[] changes)
    {
        var values = new Dictionary<string, string?>(Minimal, StringComparer.OrdinalIgnoreCase);
        foreach ((string key, string? value) in changes)
        {
            if (value is null)
            {
                values.Remove(key);
            }
            else
            {
                values[key] = value;
            }
        }

        return UserDiskOptionsReader.Read(Build(values), settings);
    }

    /// <summary>The single error, asserting there is exactly one, under <paramref name="key"/>.</summary>
    public static ConfigurationProblem SingleError(this OptionsReadResult result, string key)
    {
        Assert.Null(result.Options);
        ConfigurationProblem problem = Assert.Single(result.Errors);
        Assert.Equal(key, problem.Key);
        return problem;
    }
}
