using System.Diagnostics.Metrics;
using System.Text;

namespace UserDisk.Server.Metrics;

/// <summary>Counters, up-down counters and gauges: one value per series.</summary>
internal sealed class ScalarAggregator : InstrumentAggregator
{
    private readonly SeriesTable<ScalarSeries> _series = new(static () => new ScalarSeries());
    private readonly bool _cumulative;

    /// <param name="cumulative">True when measurements are the current value (observable instruments, gauges);
    /// false when they are increments (counters, up-down counters).</param>
    public ScalarAggregator(Instrument instrument, string name, string type, bool cumulative)
        : base(instrument, name, type) => _cumulative = cumulative;

    public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        ScalarSeries series = _series.Get(tags);
        if (_cumulative)
        {
            series.Set(value);
        }
        else
        {
            series.Add(value);
        }
    }

    public override void BeginObservation()
    {
        if (IsObservable)
        {
            _series.Clear();
        }
    }

    public override void WriteSamples(StringBuilder builder)
    {
        foreach ((string labels, ScalarSeries series) in _series.Snapshot())
        {
            AppendSample(builder, Name, labels, extraLabel: null, series.Value);
        }
    }
}
