using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace UserDisk.Server.Metrics;

/// <summary>Histograms: bucket counts and a sum per series, written cumulatively.</summary>
internal sealed class HistogramAggregator : InstrumentAggregator
{
    private readonly double[] _bounds;
    private readonly string[] _le;
    private readonly SeriesTable<HistogramSeries> _series;

    public HistogramAggregator(Instrument instrument, string name, double[] bounds)
        : base(instrument, name, "histogram")
    {
        _bounds = bounds;
        _le = bounds.Select(b => string.Create(CultureInfo.InvariantCulture, $"le=\"{PrometheusText.Value(b)}\"")).ToArray();
        _series = new SeriesTable<HistogramSeries>(() => new HistogramSeries(_bounds));
    }

    public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) => _series.Get(tags).Record(value);

    /// <summary>Histograms are synchronous instruments (there is no observable histogram): nothing to forget.</summary>
    public override void BeginObservation()
    {
    }

    public override void WriteSamples(StringBuilder builder)
    {
        string bucket = Name + "_bucket";
        foreach ((string labels, HistogramSeries series) in _series.Snapshot())
        {
            // Cumulative counts; the +Inf bucket and _count are the same total, read once, so they always agree.
            long cumulative = 0;
            for (int i = 0; i < _bounds.Length; i++)
            {
                cumulative += series.Count(i);
                AppendSample(builder, bucket, labels, _le[i], cumulative);
            }

            cumulative += series.Count(_bounds.Length);
            AppendSample(builder, bucket, labels, "le=\"+Inf\"", cumulative);
            AppendSample(builder, Name + "_sum", labels, extraLabel: null, series.Sum);
            AppendSample(builder, Name + "_count", labels, extraLabel: null, cumulative);
        }
    }
}
