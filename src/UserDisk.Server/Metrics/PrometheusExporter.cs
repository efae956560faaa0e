using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text;

namespace UserDisk.Server.Metrics;

/// <summary>
/// Listens to <see cref="System.Diagnostics.Metrics"/> instruments with a <see cref="MeterListener"/> and renders
/// them in the Prometheus text exposition format 0.0.4 when scraped (prometheus-net and OpenTelemetry's Prometheus
/// exporter are not available from our package source). Synchronous instruments are aggregated as measurements
/// arrive; observable ones are asked for their values at each scrape.
/// </summary>
public sealed class PrometheusExporter : IDisposable
{
    /// <summary>Meters whose name starts with this are exported.</summary>
    public const string MeterPrefix = "UserDisk.";

    private readonly MeterListener _listener = new();
    private readonly Func<Meter, bool> _include;
    private readonly ConcurrentDictionary<Instrument, InstrumentAggregator> _aggregators = new();
    private readonly Lock _scrapeLock = new();

    /// <param name="include">Which meters to export; see <see cref="IsUserDiskMeter"/>.</param>
    public PrometheusExporter(Func<Meter, bool> include)
    {
        ArgumentNullException.ThrowIfNull(include);
        _include = include;
        _listener.InstrumentPublished = OnInstrumentPublished;
        _listener.MeasurementsCompleted = (instrument, state) => _aggregators.TryRemove(instrument, out InstrumentAggregator? removed);
        _listener.SetMeasurementEventCallback<long>(static (_, value, tags, state) => ((InstrumentAggregator)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<int>(static (_, value, tags, state) => ((InstrumentAggregator)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<short>(static (_, value, tags, state) => ((InstrumentAggregator)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<byte>(static (_, value, tags, state) => ((InstrumentAggregator)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<double>(static (_, value, tags, state) => ((InstrumentAggregator)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<float>(static (_, value, tags, state) => ((InstrumentAggregator)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<decimal>(static (_, value, tags, state) => ((InstrumentAggregator)state!).Record((double)value, tags));
        _listener.Start();
    }

    /// <summary>
    /// True for the UserDisk meters of one host: named <c>UserDisk.*</c>, and either process-wide (no scope, like
    /// <c>IscsiMetrics.Shared</c>) or created by <paramref name="scope"/> (the host's <see cref="IMeterFactory"/>), so
    /// that two hosts in one process (tests) do not export each other's per-LUN series.
    /// </summary>
    public static bool IsUserDiskMeter(Meter meter, object? scope)
    {
        ArgumentNullException.ThrowIfNull(meter);
        return meter.Name.StartsWith(MeterPrefix, StringComparison.Ordinal) && (meter.Scope is null || ReferenceEquals(meter.Scope, scope));
    }

    /// <summary>Renders every exported instrument, families sorted by name and series by labels.</summary>
    public string Scrape()
    {
        lock (_scrapeLock)
        {
            List<InstrumentAggregator> aggregators = [.. _aggregators.Values];
            foreach (InstrumentAggregator aggregator in aggregators)
            {
                aggregator.BeginObservation();
            }

            _listener.RecordObservableInstruments();

            var builder = new StringBuilder();
            foreach (IGrouping<string, InstrumentAggregator> family in aggregators.GroupBy(a => a.Name).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                InstrumentAggregator first = family.First();
                string? help = family.Select(a => a.Instrument.Description).FirstOrDefault(d => !string.IsNullOrEmpty(d));
                if (help is not null)
                {
                    builder.Append("# HELP ").Append(family.Key).Append(' ').Append(PrometheusText.Help(help)).Append('\n');
                }

                builder.Append("# TYPE ").Append(family.Key).Append(' ').Append(first.Type).Append('\n');

                // Two instruments exporting one name with different types cannot share a family; the first one wins.
                foreach (InstrumentAggregator aggregator in family.Where(a => a.Type == first.Type))
                {
                    aggregator.WriteSamples(builder);
                }
            }

            return builder.ToString();
        }
    }

    public void Dispose() => _listener.Dispose();

    private void OnInstrumentPublished(Instrument instrument, MeterListener listener)
    {
        if (!_include(instrument.Meter) || InstrumentAggregator.Create(instrument) is not InstrumentAggregator aggregator)
        {
            return;
        }

        _aggregators[instrument] = aggregator;
        listener.EnableMeasurementEvents(instrument, aggregator);
    }
}
