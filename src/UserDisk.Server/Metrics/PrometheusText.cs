using System.Globalization;
using System.Text;

namespace UserDisk.Server.Metrics;

/// <summary>
/// The lexical rules of the Prometheus text exposition format 0.0.4: metric and label names, label value and
/// help text escaping, and sample values.
/// </summary>
public static class PrometheusText
{
    /// <summary>The Content-Type of a scrape response in format 0.0.4.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>A metric name matching <c>[a-zA-Z_:][a-zA-Z0-9_:]*</c>: other characters become '_'.</summary>
    public static string MetricName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Sanitize(name, allowColon: true);
    }

    /// <summary>A label name matching <c>[a-zA-Z_][a-zA-Z0-9_]*</c>: other characters become '_'.</summary>
    public static string LabelName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Sanitize(name, allowColon: false);
    }

    /// <summary>Escapes a label value: backslash, double quote and line feed.</summary>
    public static void AppendLabelValue(StringBuilder builder, string value)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(value);
        foreach (char c in value)
        {
            _ = c switch
            {
                '\\' => builder.Append(@"\\"),
                '"' => builder.Append("\\\""),
                '\n' => builder.Append(@"\n"),
                _ => builder.Append(c),
            };
        }
    }

    /// <summary>Escapes HELP text: backslash and line feed (quotes stay as they are).</summary>
    public static string Help(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Replace(@"\", @"\\", StringComparison.Ordinal).Replace("\n", @"\n", StringComparison.Ordinal);
    }

    /// <summary>A sample value as Prometheus parses it (Go's ParseFloat): +Inf, -Inf, NaN, or a decimal.</summary>
    public static string Value(double value)
    {
        if (double.IsPositiveInfinity(value))
        {
            return "+Inf";
        }

        if (double.IsNegativeInfinity(value))
        {
            return "-Inf";
        }

        if (double.IsNaN(value))
        {
            return "NaN";
        }

        // Integral values (all counters) print without exponent or fraction up to 2^53, where doubles stay exact.
        if (Math.Abs(value) < 9007199254740992d && value == Math.Floor(value))
        {
            return ((long)value).ToString(CultureInfo.InvariantCulture);
        }

        return value.ToString("R", CultureInfo.InvariantCulture);
    }

    /// <summary>A label value from a tag value: formatted with the invariant culture; null is empty.</summary>
    public static string TagValue(object? value) => value switch
    {
        null => string.Empty,
        string s => s,
        bool b => b ? "true" : "false",
        double d => Value(d),
        float f => Value(f),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };

    private static string Sanitize(string name, bool allowColon)
    {
        if (name.Length == 0)
        {
            return "_";
        }

        bool clean = !char.IsAsciiDigit(name[0]);
        foreach (char c in name)
        {
            clean &= IsNameChar(c, allowColon);
        }

        if (clean)
        {
            return name;
        }

        var builder = new StringBuilder(name.Length + 1);
        if (char.IsAsciiDigit(name[0]))
        {
            builder.Append('_');
        }

        foreach (char c in name)
        {
            builder.Append(IsNameChar(c, allowColon) ? c : '_');
        }

        return builder.ToString();
    }

    private static bool IsNameChar(char c, bool allowColon) =>
        char.IsAsciiLetter(c) || char.IsAsciiDigit(c) || c == '_' || (allowColon && c == ':');
}
