using System.Collections;
using Microsoft.Extensions.Configuration;

namespace UserDisk.Server.Configuration;

/// <summary>
/// Builds the configuration of <c>userdisk serve</c> from its layers, each overriding the one before:
/// <list type="number">
/// <item><c>appsettings.json</c> beside the executable (optional; ships the demo disks of <c>make run</c>);</item>
/// <item>the <c>--config</c> file (same shape; must exist);</item>
/// <item>environment variables <c>USERDISK__...</c>, '__' separating levels (<c>USERDISK__TARGETS__0__PORTAL</c>);</item>
/// <item>command-line flags.</item>
/// </list>
/// </summary>
/// <remarks>
/// Configuration merges lists by index, so a --config file listing two LUNs over a default file listing three would
/// silently keep the third. A --config file that lists <c>UserDisk:Targets</c> therefore replaces the default
/// file's targets as a whole; environment variables and flags still override single keys.
/// </remarks>
public sealed class ConfigurationLayers
{
    public const string DefaultFileName = "appsettings.json";

    public const string EnvironmentPrefix = "USERDISK__";

    /// <summary>The directory holding <see cref="DefaultFileName"/>; the executable's directory by default.</summary>
    public string BaseDirectory { get; init; } = AppContext.BaseDirectory;

    /// <summary>The <c>--config</c> file, if given.</summary>
    public string? ConfigFile { get; init; }

    /// <summary>The process environment (a copy in tests).</summary>
    public IDictionary Environment { get; init; } = System.Environment.GetEnvironmentVariables();

    /// <summary>Keys set from command-line flags (highest precedence).</summary>
    public IReadOnlyDictionary<string, string?> Overrides { get; init; } = new Dictionary<string, string?>();

    /// <summary>Loads the layers; a missing --config file or malformed JSON is a problem, not an exception.</summary>
    public (IConfigurationRoot Configuration, IReadOnlyList<ConfigurationProblem> Problems) Build()
    {
        var problems = new List<ConfigurationProblem>();
        Dictionary<string, string?> defaults = LoadJson(Path.Combine(BaseDirectory, DefaultFileName), DefaultFileName, optional: true, problems);
        Dictionary<string, string?> file = ConfigFile is null
            ? new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
            : LoadJson(ConfigFile, "--config", optional: false, problems);

        string targets = $"{UserDiskOptions.SectionName}:Targets";
        if (file.Keys.Any(k => IsUnder(k, targets)))
        {
            foreach (string key in defaults.Keys.Where(k => IsUnder(k, targets)).ToList())
            {
                defaults.Remove(key);
            }
        }

        var environment = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry entry in Environment)
        {
            if (entry.Key is string name && name.StartsWith(EnvironmentPrefix, StringComparison.OrdinalIgnoreCase))
            {
                // USERDISK__TARGETS__0__NAME -> USERDISK:TARGETS:0:NAME, i.e. UserDisk:Targets:0:Name.
                environment[name.Replace("__", ConfigurationPath.KeyDelimiter, StringComparison.Ordinal)] = entry.Value as string;
            }
        }

        IConfigurationRoot configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(defaults)
            .AddInMemoryCollection(file)
            .AddInMemoryCollection(environment)
            .AddInMemoryCollection(Overrides)
            .Build();
        return (configuration, problems);
    }

    private static bool IsUnder(string key, string section) =>
        key.Equals(section, StringComparison.OrdinalIgnoreCase)
        || key.StartsWith(section + ConfigurationPath.KeyDelimiter, StringComparison.OrdinalIgnoreCase);

    private static Dictionary<string, string?> LoadJson(string path, string what, bool optional, List<ConfigurationProblem> problems)
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        string full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            if (!optional)
            {
                problems.Add(new ConfigurationProblem(what, $"configuration file '{full}' does not exist"));
            }

            return values;
        }

        try
        {
            IConfigurationRoot root = new ConfigurationBuilder().AddJsonFile(full, optional: false, reloadOnChange: false).Build();
            foreach ((string key, string? value) in root.AsEnumerable())
            {
                values[key] = value;
            }
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or IOException or UnauthorizedAccessException)
        {
            string detail = e.InnerException is { } inner ? $"{e.Message} {inner.Message}" : e.Message;
            problems.Add(new ConfigurationProblem(what, $"configuration file '{full}' cannot be read: {detail}"));
        }

        return values;
    }
}
