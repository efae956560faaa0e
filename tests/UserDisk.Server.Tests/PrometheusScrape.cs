using System.Globalization;
using System.Text;

namespace UserDisk.Server.Tests;

/// <summary>
/// A strict reader of the Prometheus text format 0.0.4 for tests: it parses what the exporter wrote back into
/// families and samples, and throws on anything malformed, so a test that reads a scrape also checks its syntax.
/// </summary>
public sealed class PrometheusScrape
{
    private PrometheusScrape()
    {
    }

    public Dictionary<string, string> Types { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, string> Help { get; } = new(StringComparer.Ordinal);

    public List<Sample> Samples { get; } = [];

    public static PrometheusScrape Parse(string text)
    {
        var scrape = new PrometheusScrape();
        Assert.True(text.Length == 0 || text.EndsWith('\n'), "a scrape ends with a line feed");
        foreach (string line in text.Split('\n'))
        {
            if (line.Length == 0)
            {
                continue;
            }

            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                string rest = line["# HELP ".Length..];
                int space = rest.IndexOf(' ', StringComparison.Ordinal);
                scrape.Help.Add(rest[..space], UnescapeHelp(rest[(space + 1)..]));
            }
            else if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                string[] parts = line.Split(' ');
                Assert.Equal(4, parts.Length);
                Assert.Contains(parts[3], new[] { "counter", "gauge", "histogram", "summary", "untyped" });
                scrape.Types.Add(parts[2], parts[3]);
            }
            else
            {
                Assert.False(line.StartsWith('#'), $"unexpected comment: {line}");
                scrape.Samples.Add(ParseSample(line));
            }
        }

        return scrape;
    }

    public IEnumerable<Sample> Named(string name) => Samples.Where(s => s.Name == name);

    /// <summary>The one sample with this name whose labels include all of <paramref name="labels"/>.</summary>
    public Sample Single(string name, params (string Key, string Value)[] labels) =>
        Assert.Single(Samples, s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Key, out string? v) && v == l.Value));

    private static Sample ParseSample(string line)
    {
        int i = 0;
        while (i < line.Length && line[i] != '{' && line[i] != ' ')
        {
            i++;
        }

        string name = line[..i];
        Assert.Matches("^[a-zA-Z_:][a-zA-Z0-9_:]*$", name);
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (i < line.Length && line[i] == '{')
        {
            i++;
            while (line[i] != '}')
            {
                int equals = line.IndexOf('=', i);
                string label = line[i..equals];
                Assert.Matches("^[a-zA-Z_][a-zA-Z0-9_]*$", label);
                Assert.Equal('"', line[equals + 1]);
                i = equals + 2;
                var value = new StringBuilder();
                while (line[i] != '"')
                {
                    if (line[i] == '\\')
                    {
                        i++;
                        value.Append(line[i] switch
                        {
                            '\\' => '\\',
                            '"' => '"',
                            'n' => '\n',
                            _ => throw new FormatException($"bad escape \\{line[i]} in {line}"),
                        });
                    }
                    else
                    {
                        value.Append(line[i]);
                    }

                    i++;
                }

                labels.Add(label, value.ToString());
                i++;
                if (line[i] == ',')
                {
                    i++;
                }
            }

            i++;
        }

        Assert.Equal(' ', line[i]);
        string number = line[(i + 1)..];
        double parsed = number switch
        {
            "+Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            "NaN" => double.NaN,
            _ => double.Parse(number, NumberStyles.Float, CultureInfo.InvariantCulture),
        };
        return new Sample(name, labels, parsed);
    }

    private static string UnescapeHelp(string text) =>
        text.Replace(@"\n", "\n", StringComparison.Ordinal).Replace(@"\\", @"\", StringComparison.Ordinal);

    public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);
}
