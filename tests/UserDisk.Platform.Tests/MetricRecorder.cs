using System.Diagnostics.Metrics;

namespace UserDisk.Platform.Tests;

/// <summary>Sums the long counters of one <see cref="Meter"/> instance, by instrument and tag set.</summary>
public sealed class MetricRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly Lock _lock = new();
    private readonly Dictionary<string, long> _sums = [];

    public MetricRecorder(Meter meter)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, meter))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            string key = instrument.Name + string.Concat(tags.ToArray().Select(static t => $"|{t.Key}={t.Value}"));
            lock (_lock)
            {
                _sums[key] = _sums.GetValueOrDefault(key) + value;
            }
        });
        _listener.Start();
    }

    /// <summary>The sum for <paramref name="instrument"/> with exactly this tag (e.g. "reason=lun_taken"), or untagged.</summary>
    public long Sum(string instrument, string? tag = null)
    {
        lock (_lock)
        {
            return _sums.GetValueOrDefault(tag is null ? instrument : $"{instrument}|{tag}");
        }
    }

    /// <summary>The sum over every tag set.</summary>
    public long Total(string instrument)
    {
        lock (_lock)
        {
            return _sums.Where(kv => kv.Key == instrument || kv.Key.StartsWith(instrument + "|", StringComparison.Ordinal)).Sum(static kv => kv.Value);
        }
    }

    public void Dispose() => _listener.Dispose();
}
