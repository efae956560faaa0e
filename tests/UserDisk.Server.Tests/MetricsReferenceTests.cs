using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using UserDisk.Iscsi;
using UserDisk.Platform.Attach;
using UserDisk.Scst;
using UserDisk.Server.Events;
using UserDisk.Server.Hosting;
using UserDisk.Server.Inventory;
using UserDisk.Server.Metrics;
using UserDisk.Storage.S3;

namespace UserDisk.Server.Tests;

/// <summary>
/// Keeps docs/metrics.md and the Grafana dashboard honest: the metric families the code exports (found by creating
/// every UserDisk meter and scraping it through <see cref="PrometheusExporter"/>, so names and types are exactly what
/// /metrics shows) must be the documented ones, and every metric a dashboard query uses must be exported.
/// </summary>
public sealed partial class MetricsReferenceTests : ServeTestBase
{
    private const string Target = "iqn.2026-11.io.userdisk:metrics-reference";

    private static readonly string[] DashboardPanels =
    [
        "IOPS",
        "Throughput",
        "Latency percentiles",
        "Check conditions by sense key",
        "Backstore errors",
        "iSCSI sessions and connections",
        "iSCSI logins",
        "iSCSI protocol errors",
        "scst_user commands",
        "scst_user reply errors",
        "scst_user device faults",
        "scst_user buffers by holder",
        "scst_user registered",
        "S3 requests",
        "S3 bytes received",
        "S3 cache hit ratio",
        "S3 retries and read-ahead",
        "S3 errors by reason",
        "S3 cache bytes",
        "Inventory changes",
        "Inventory listing failures",
        "Events published",
        "Events dropped",
    ];

    private static readonly Lazy<IReadOnlyDictionary<string, string>> ExportedFamilies = new(CollectExportedFamilies);

    public MetricsReferenceTests()
    {
        Settings["USERDISK__TARGETS__0__NAME"] = Target;
        Settings["USERDISK__TARGETS__0__LUNS__0__NUMBER"] = "0";
        Settings["USERDISK__TARGETS__0__LUNS__0__BACKSTORE"] = "memory:4M";
    }

    /// <summary>Exported family name → Prometheus type, for every instrument of every UserDisk meter.</summary>
    private static IReadOnlyDictionary<string, string> Exported => ExportedFamilies.Value;

    private static string RepositoryRoot { get; } = FindRepositoryRoot();

    [Fact]
    public void Every_exported_metric_is_documented_and_every_documented_metric_iExportedFamilies()
    {
        Dictionary<string, DocumentedMetric> documented = ReadReference();

        string[] undocumented = Exported.Keys.Except(documented.Keys).Order(StringComparer.Ordinal).ToArray();
        string[] stale = documented.Keys.Except(Exported.Keys).Order(StringComparer.Ordinal).ToArray();

        Assert.True(
            undocumented.Length == 0 && stale.Length == 0,
            $"exported but missing from docs/metrics.md: [{string.Join(", ", undocumented)}]; in docs/metrics.md but not exported by the code: [{string.Join(", ", stale)}]");
        foreach ((string name, string type) in Exported)
        {
            Assert.True(documented[name].Type == type, $"{name} is a {type}, docs/metrics.md says {documented[name].Type}");
        }
    }

    [Fact]
    public void Every_instrument_created_in_the_source_is_among_the_exported_families()
    {
        // Guards the collection itself: an instrument on a meter this class does not create would be missed above.
        string source = Path.Combine(RepositoryRoot, "src");
        var missing = new List<string>();
        int found = 0;
        foreach (string file in Directory.EnumerateFiles(source, "*.cs", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(source, file);
            if (relative.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                || relative.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            {
                continue;
            }

            foreach (Match match in InstrumentCreation().Matches(File.ReadAllText(file)))
            {
                found++;
                string name = PrometheusText.MetricName(match.Groups["name"].Value);
                string expected = match.Groups["kind"].Value.EndsWith("Counter", StringComparison.Ordinal) && !match.Groups["kind"].Value.Contains("UpDown", StringComparison.Ordinal)
                    && !name.EndsWith("_total", StringComparison.Ordinal) ? name + "_total" : name;
                if (!Exported.ContainsKey(expected))
                {
                    missing.Add($"{expected} ({relative})");
                }
            }
        }

        Assert.True(found >= Exported.Count, $"only {found} instrument creations found in {source}");
        Assert.True(missing.Count == 0, $"instruments in the source that the reference tests do not collect: {string.Join(", ", missing)}");
    }

    [Fact]
    public async Task Serve_host_scrape_uses_only_documented_families_types_and_labels()
    {
        Dictionary<string, DocumentedMetric> documented = ReadReference();
        await using WebApplication app = await StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(Assert.Single(app.Urls)) };

        PrometheusScrape scrape = PrometheusScrape.Parse(await http.GetStringAsync(new Uri("/metrics", UriKind.Relative), TestContext.Current.CancellationToken));

        Assert.Contains("userdisk_lun_commands_total", scrape.Types.Keys);
        Assert.Contains("userdisk_iscsi_command_duration", scrape.Types.Keys);
        foreach ((string family, string type) in scrape.Types)
        {
            Assert.True(documented.TryGetValue(family, out DocumentedMetric? row), $"/metrics exports {family}, which docs/metrics.md does not list");
            Assert.Equal(row.Type, type);
        }

        foreach (PrometheusScrape.Sample sample in scrape.Samples)
        {
            string family = FamilyOf(sample.Name);
            DocumentedMetric row = documented[family];
            foreach (string label in sample.Labels.Keys.Where(l => !(row.Type == "histogram" && l == "le")))
            {
                Assert.True(row.Labels.Contains(label), $"{sample.Name} has label {label}, which docs/metrics.md does not list for {family}");
            }
        }

        await app.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public void Dashboard_queries_use_only_exported_metric_names()
    {
        HashSet<string> series = ExportedSeriesNames();
        using JsonDocument dashboard = ReadDashboard();
        var unknown = new List<string>();
        int expressions = 0;
        foreach ((string title, string expr) in Expressions(dashboard.RootElement))
        {
            expressions++;
            MatchCollection names = MetricIdentifier().Matches(expr);
            Assert.True(names.Count > 0, $"panel '{title}' has a query without a userdisk metric: {expr}");
            unknown.AddRange(names.Select(m => m.Value).Where(n => !series.Contains(n)).Select(n => $"{n} (panel '{title}')"));
        }

        foreach (JsonElement variable in dashboard.RootElement.GetProperty("templating").GetProperty("list").EnumerateArray())
        {
            if (variable.TryGetProperty("definition", out JsonElement definition))
            {
                unknown.AddRange(MetricIdentifier().Matches(definition.GetString()!).Select(m => m.Value).Where(n => !series.Contains(n))
                    .Select(n => $"{n} (variable '{variable.GetProperty("name").GetString()}')"));
            }
        }

        Assert.True(expressions >= DashboardPanels.Length, $"only {expressions} panel queries found");
        Assert.True(unknown.Count == 0, $"dashboard queries name metrics /metrics does not export: {string.Join(", ", unknown)}");
    }

    [Fact]
    public void Dashboard_has_the_operator_panels()
    {
        using JsonDocument dashboard = ReadDashboard();
        HashSet<string> titles = Panels(dashboard.RootElement).Select(p => p.GetProperty("title").GetString()!).ToHashSet(StringComparer.Ordinal);

        string[] absent = DashboardPanels.Where(t => !titles.Contains(t)).ToArray();

        Assert.True(absent.Length == 0, $"dashboard lacks panels: {string.Join(", ", absent)}");
        string[] percentiles = Expressions(dashboard.RootElement).Where(e => e.Title == "Latency percentiles").Select(e => e.Expr).ToArray();
        foreach (string quantile in new[] { "0.5", "0.95", "0.99" })
        {
            Assert.Contains(percentiles, e => e.StartsWith($"histogram_quantile({quantile},", StringComparison.Ordinal)
                && e.Contains("userdisk_iscsi_command_duration_bucket", StringComparison.Ordinal)
                && e.Contains("le", StringComparison.Ordinal) && e.Contains("rate(", StringComparison.Ordinal));
        }

        string hitRatio = Assert.Single(Expressions(dashboard.RootElement), e => e.Title == "S3 cache hit ratio").Expr;
        Assert.Contains("userdisk_s3_cache_hits_total", hitRatio, StringComparison.Ordinal);
        Assert.Contains("userdisk_s3_cache_misses_total", hitRatio, StringComparison.Ordinal);
    }

    [Fact]
    public void Dashboard_reads_from_the_templated_prometheus_datasource_with_target_lun_and_device_variables()
    {
        using JsonDocument dashboard = ReadDashboard();
        JsonElement root = dashboard.RootElement;

        Assert.True(root.GetProperty("schemaVersion").GetInt32() >= 39);
        Dictionary<string, JsonElement> variables = root.GetProperty("templating").GetProperty("list").EnumerateArray()
            .ToDictionary(v => v.GetProperty("name").GetString()!, StringComparer.Ordinal);
        Assert.Equal("datasource", variables["DS_PROMETHEUS"].GetProperty("type").GetString());
        Assert.Equal("prometheus", variables["DS_PROMETHEUS"].GetProperty("query").GetString());
        foreach (string name in new[] { "target", "lun", "device" })
        {
            Assert.True(variables.ContainsKey(name), $"no ${name} variable");
        }

        foreach (JsonElement panel in Panels(root).Where(p => p.GetProperty("type").GetString() != "row"))
        {
            Assert.Equal("${DS_PROMETHEUS}", panel.GetProperty("datasource").GetProperty("uid").GetString());
            foreach (JsonElement target in panel.GetProperty("targets").EnumerateArray())
            {
                Assert.Equal("${DS_PROMETHEUS}", target.GetProperty("datasource").GetProperty("uid").GetString());
            }
        }
    }

    /// <summary>
    /// Creates every UserDisk meter (per-host ones through a meter factory, process-wide ones by touching their types)
    /// and scrapes them: the exporter writes HELP and TYPE for every instrument, even one that has recorded nothing.
    /// </summary>
    private static Dictionary<string, string> CollectExportedFamilies()
    {
        // Other tests' meters are named UserDisk.Test.* or UserDisk.*.Test; they are not the product's.
        using var exporter = new PrometheusExporter(m => m.Name.StartsWith(PrometheusExporter.MeterPrefix, StringComparison.Ordinal) && !m.Name.Split('.').Contains("Test"));
        using ServiceProvider services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        IMeterFactory factory = services.GetRequiredService<IMeterFactory>();
        _ = new LunMetrics(factory, new LunCatalog());
        using var scst = new ScstMetrics(factory);
        using var attach = new AttachMetrics(factory);
        _ = IscsiMetrics.Shared;
        RuntimeHelpers.RunClassConstructor(typeof(S3Metrics).TypeHandle);
        RuntimeHelpers.RunClassConstructor(typeof(EventHub).TypeHandle);
        RuntimeHelpers.RunClassConstructor(typeof(InventoryService).TypeHandle);

        return new Dictionary<string, string>(PrometheusScrape.Parse(exporter.Scrape()).Types, StringComparer.Ordinal);
    }

    /// <summary>Every sample name /metrics can carry: histogram families as _bucket, _sum and _count.</summary>
    private static HashSet<string> ExportedSeriesNames()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach ((string family, string type) in Exported)
        {
            if (type == "histogram")
            {
                names.Add(family + "_bucket");
                names.Add(family + "_sum");
                names.Add(family + "_count");
            }
            else
            {
                names.Add(family);
            }
        }

        return names;
    }

    private static string FamilyOf(string sample)
    {
        foreach (string suffix in new[] { "_bucket", "_sum", "_count" })
        {
            if (sample.EndsWith(suffix, StringComparison.Ordinal) && Exported.TryGetValue(sample[..^suffix.Length], out string? type) && type == "histogram")
            {
                return sample[..^suffix.Length];
            }
        }

        return sample;
    }

    /// <summary>The rows of the reference tables: | `name` | type | `label`, … | meaning |.</summary>
    private static Dictionary<string, DocumentedMetric> ReadReference()
    {
        var rows = new Dictionary<string, DocumentedMetric>(StringComparer.Ordinal);
        foreach (string line in File.ReadLines(Path.Combine(RepositoryRoot, "docs", "metrics.md")))
        {
            if (!line.StartsWith("| `userdisk_", StringComparison.Ordinal))
            {
                continue;
            }

            string[] cells = line.Split('|').Select(c => c.Trim()).ToArray();
            Assert.True(cells.Length >= 6, $"a reference row has name, type, labels and meaning: {line}");
            string name = cells[1].Trim('`');
            HashSet<string> labels = Backticked().Matches(cells[3]).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
            Assert.True(rows.TryAdd(name, new DocumentedMetric(cells[2], labels)), $"{name} has two rows in docs/metrics.md");
        }

        Assert.NotEmpty(rows);
        return rows;
    }

    private static JsonDocument ReadDashboard() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRoot, "containers", "grafana", "userdisk-dashboard.json")));

    /// <summary>Top-level panels and those nested in (collapsed) rows.</summary>
    private static IEnumerable<JsonElement> Panels(JsonElement root)
    {
        foreach (JsonElement panel in root.GetProperty("panels").EnumerateArray())
        {
            yield return panel;
            if (panel.TryGetProperty("panels", out JsonElement nested))
            {
                foreach (JsonElement inner in nested.EnumerateArray())
                {
                    yield return inner;
                }
            }
        }
    }

    private static IEnumerable<(string Title, string Expr)> Expressions(JsonElement root)
    {
        foreach (JsonElement panel in Panels(root))
        {
            if (!panel.TryGetProperty("targets", out JsonElement targets))
            {
                continue;
            }

            foreach (JsonElement target in targets.EnumerateArray())
            {
                if (target.TryGetProperty("expr", out JsonElement expr))
                {
                    yield return (panel.GetProperty("title").GetString()!, expr.GetString()!);
                }
            }
        }
    }

    private static string FindRepositoryRoot()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "UserDisk.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"no UserDisk.sln above {AppContext.BaseDirectory}");
    }

    [GeneratedRegex("userdisk_[a-z0-9_]+")]
    private static partial Regex MetricIdentifier();

    [GeneratedRegex("`([a-z_][a-z0-9_]*)`")]
    private static partial Regex Backticked();

    [GeneratedRegex("""\.Create(?<kind>(?:Observable)?(?:UpDownCounter|Counter|Gauge|Histogram))(?:<[^>(]+>)?\(\s*"(?<name>[^"]+)"\s*,""")]
    private static partial Regex InstrumentCreation();

    private sealed record DocumentedMetric(string Type, HashSet<string> Labels);
}
