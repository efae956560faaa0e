using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace UserDisk.Server.Metrics;

/// <summary>
/// Aggregates the measurements of one instrument into Prometheus samples. Which aggregation and Prometheus type an
/// instrument gets follows from its kind:
/// counters (sync and observable) become <c>counter</c> with a <c>_total</c> suffix; up-down counters and gauges
/// become <c>gauge</c>; histograms become <c>histogram</c> with cumulative <c>_bucket{le=...}</c>, <c>_sum</c>, <c>_count</c>.
/// </summary>
internal abstract class InstrumentAggregator
{
    protected InstrumentAggregator(Instrument instrument, string name, string type)
    {
        Instrument = instrument;
        Name = name;
        Type = type;
    }

    public Instrument Instrument { get; }

    /// <summary>The metric family name (sanitized, with <c>_total</c> for counters).</summary>
    public string Name { get; }

    /// <summary>counter, gauge or histogram.</summary>
    public string Type { get; }

    /// <summary>Observable instruments are asked for their values at each scrape.</summary>
    public bool IsObservable => Instrument.IsObservable;

    /// <summary>Creates the aggregator for an instrument, or null for a kind this exporter does not know.</summary>
    public static InstrumentAggregator? Create(Instrument instrument)
    {
        Type type = instrument.GetType();
        if (!type.IsGenericType)
        {
            return null;
        }

        Type kind = type.GetGenericTypeDefinition();
        string name = PrometheusText.MetricName(instrument.Name);
        string counterName = name.EndsWith("_total", StringComparison.Ordinal) ? name : name + "_total";
        if (kind == typeof(Counter<>))
        {
            return new ScalarAggregator(instrument, counterName, "counter", cumulative: false);
        }

        if (kind == typeof(ObservableCounter<>))
        {
            return new ScalarAggregator(instrument, counterName, "counter", cumulative: true);
        }

        if (kind == typeof(UpDownCounter<>))
        {
            return new ScalarAggregator(instrument, name, "gauge", cumulative: false);
        }

        if (kind == typeof(ObservableUpDownCounter<>) || kind == typeof(ObservableGauge<>) || kind == typeof(Gauge<>))
        {
            return new ScalarAggregator(instrument, name, "gauge", cumulative: true);
        }

        if (kind == typeof(Histogram<>))
        {
            return new HistogramAggregator(instrument, name, HistogramBounds(instrument));
        }

        return null;
    }

    public abstract void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags);

    /// <summary>Called before observable instruments are asked for their values: forget the last observation.</summary>
    public abstract void BeginObservation();

    public abstract void WriteSamples(StringBuilder builder);

    protected static void AppendSample(StringBuilder builder, string name, string labels, string? extraLabel, double value)
    {
        builder.Append(name);
        if (labels.Length > 0 || extraLabel is not null)
        {
            builder.Append('{').Append(labels);
            if (extraLabel is not null)
            {
                builder.Append(labels.Length > 0 ? "," : string.Empty).Append(extraLabel);
            }

            builder.Append('}');
        }

        builder.Append(' ').Append(PrometheusText.Value(value)).Append('\n');
    }

    /// <summary>
    /// The instrument's advised bucket bounds if it gave any; otherwise Prometheus' defaults for seconds, or
    /// OpenTelemetry's defaults (which suit milliseconds and byte counts) for any other unit.
    /// </summary>
    private static double[] HistogramBounds(Instrument instrument)
    {
        IEnumerable<double>? advised = instrument switch
        {
            Histogram<double> h => h.Advice?.HistogramBucketBoundaries,
            Histogram<float> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b),
            Histogram<long> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b),
            Histogram<int> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b),
            Histogram<short> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b),
            Histogram<byte> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b),
            Histogram<decimal> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b),
            _ => null,
        };
        double[] bounds = advised?.ToArray() ?? (string.Equals(instrument.Unit, "s", StringComparison.Ordinal)
            ? [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
            : [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000]);
        return bounds.Where(double.IsFinite).Distinct().Order().ToArray();
    }
}
