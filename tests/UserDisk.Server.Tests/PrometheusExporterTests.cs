using System.Diagnostics.Metrics;
using UserDisk.Server.Metrics;

namespace UserDisk.Server.Tests;

/// <summary>
/// The exporter against instruments on a meter of the test's own (other tests' meters are filtered out), with every
/// scrape parsed back by <see cref="PrometheusScrape"/>.
/// </summary>
public sealed class PrometheusExporterTests : IDisposable
{
    private readonly Meter _meter = new($"UserDisk.Test.{Guid.NewGuid():N}");
    private readonly PrometheusExporter _exporter;

    public PrometheusExporterTests()
    {
        _exporter = new PrometheusExporter(m => ReferenceEquals(m, _meter));
    }

    public void Dispose()
    {
        _exporter.Dispose();
        _meter.Dispose();
    }

    [Fact]
    public void Counter_is_a_counter_family_with_a_total_suffix()
    {
        Counter<long> counter = _meter.CreateCounter<long>("userdisk_test_requests", description: "Requests seen");
        counter.Add(3);
        counter.Add(4);

        PrometheusScrape scrape = Scrape();

        Assert.Equal("counter", scrape.Types["userdisk_test_requests_total"]);
        Assert.Equal("Requests seen", scrape.Help["userdisk_test_requests_total"]);
        Assert.Equal(7, scrape.Single("userdisk_test_requests_total").Value);
    }

    [Fact]
    public void Counter_already_ending_in_total_is_not_suffixed_twice()
    {
        _meter.CreateCounter<int>("userdisk_test_events_total").Add(1);

        Assert.Equal("counter", Scrape().Types["userdisk_test_events_total"]);
    }

    [Fact]
    public void Counter_series_are_kept_per_tag_set()
    {
        Counter<long> counter = _meter.CreateCounter<long>("userdisk_test_logins");
        counter.Add(1, new KeyValuePair<string, object?>("result", "success"));
        counter.Add(1, new KeyValuePair<string, object?>("result", "success"));
        counter.Add(1, new KeyValuePair<string, object?>("result", "auth_failed"));

        PrometheusScrape scrape = Scrape();

        Assert.Equal(2, scrape.Single("userdisk_test_logins_total", ("result", "success")).Value);
        Assert.Equal(1, scrape.Single("userdisk_test_logins_total", ("result", "auth_failed")).Value);
    }

    [Fact]
    public void Tags_given_in_another_order_update_the_same_series()
    {
        Counter<long> counter = _meter.CreateCounter<long>("userdisk_test_ops");
        counter.Add(1, new("a", "1"), new("b", "2"));
        counter.Add(1, new("b", "2"), new("a", "1"));

        PrometheusScrape scrape = Scrape();

        Assert.Equal(2, Assert.Single(scrape.Named("userdisk_test_ops_total")).Value);
    }

    [Fact]
    public void Double_counter_keeps_fractions()
    {
        _meter.CreateCounter<double>("userdisk_test_seconds").Add(0.25);

        Assert.Equal(0.25, Scrape().Single("userdisk_test_seconds_total").Value);
    }

    [Fact]
    public void Up_down_counter_is_a_gauge_of_its_running_sum()
    {
        UpDownCounter<int> inflight = _meter.CreateUpDownCounter<int>("userdisk_test_inflight");
        inflight.Add(5);
        inflight.Add(-2);

        PrometheusScrape scrape = Scrape();

        Assert.Equal("gauge", scrape.Types["userdisk_test_inflight"]);
        Assert.Equal(3, scrape.Single("userdisk_test_inflight").Value);
    }

    [Fact]
    public void Observable_gauge_reports_the_value_at_scrape_time()
    {
        long value = 10;
        _meter.CreateObservableGauge("userdisk_test_sessions", () => value);

        double first = Scrape().Single("userdisk_test_sessions").Value;
        value = 42;
        PrometheusScrape second = Scrape();

        Assert.Equal(10, first);
        Assert.Equal("gauge", second.Types["userdisk_test_sessions"]);
        Assert.Equal(42, second.Single("userdisk_test_sessions").Value);
    }

    [Fact]
    public void Observable_counter_reports_its_cumulative_value_as_a_counter()
    {
        long total = 100;
        _meter.CreateObservableCounter("userdisk_test_bytes", () => total);

        Scrape();
        total = 150;
        PrometheusScrape scrape = Scrape();

        Assert.Equal("counter", scrape.Types["userdisk_test_bytes_total"]);
        Assert.Equal(150, scrape.Single("userdisk_test_bytes_total").Value);
    }

    [Fact]
    public void Observable_series_that_are_no_longer_reported_disappear()
    {
        var luns = new List<string> { "0", "1" };
        _meter.CreateObservableGauge("userdisk_test_capacity", () => luns.Select(l => new Measurement<long>(1, new KeyValuePair<string, object?>("lun", l))));

        Assert.Equal(2, Scrape().Named("userdisk_test_capacity").Count());
        luns.Remove("1");

        Assert.Equal("0", Assert.Single(Scrape().Named("userdisk_test_capacity")).Labels["lun"]);
    }

    [Fact]
    public void Histogram_has_cumulative_buckets_a_sum_and_a_count()
    {
        Histogram<double> latency = _meter.CreateHistogram(
            "userdisk_test_latency",
            unit: "s",
            description: "Command latency",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.01, 0.1] });
        foreach (double seconds in new[] { 0.0005, 0.001, 0.005, 0.05, 0.5 })
        {
            latency.Record(seconds, new KeyValuePair<string, object?>("op", "read"));
        }

        PrometheusScrape scrape = Scrape();

        Assert.Equal("histogram", scrape.Types["userdisk_test_latency"]);
        Assert.Equal(2, scrape.Single("userdisk_test_latency_bucket", ("op", "read"), ("le", "0.001")).Value);
        Assert.Equal(3, scrape.Single("userdisk_test_latency_bucket", ("op", "read"), ("le", "0.01")).Value);
        Assert.Equal(4, scrape.Single("userdisk_test_latency_bucket", ("op", "read"), ("le", "0.1")).Value);
        Assert.Equal(5, scrape.Single("userdisk_test_latency_bucket", ("op", "read"), ("le", "+Inf")).Value);
        Assert.Equal(0.5565, scrape.Single("userdisk_test_latency_sum", ("op", "read")).Value, 9);
        Assert.Equal(5, scrape.Single("userdisk_test_latency_count", ("op", "read")).Value);
    }

    [Fact]
    public void Histogram_buckets_are_written_in_ascending_order_ending_with_inf()
    {
        Histogram<long> sizes = _meter.CreateHistogram<long>(
            "userdisk_test_sizes",
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [512, 4096, 65536] });
        sizes.Record(1000);

        string[] le = Scrape().Named("userdisk_test_sizes_bucket").Select(s => s.Labels["le"]).ToArray();

        Assert.Equal(["512", "4096", "65536", "+Inf"], le);
    }

    [Fact]
    public void Histogram_without_advice_in_seconds_gets_prometheus_default_buckets()
    {
        _meter.CreateHistogram<double>("userdisk_test_wait", unit: "s").Record(0.2);

        PrometheusScrape scrape = Scrape();

        Assert.Equal(12, scrape.Named("userdisk_test_wait_bucket").Count());
        Assert.Equal(1, scrape.Single("userdisk_test_wait_bucket", ("le", "0.25")).Value);
        Assert.Equal(0, scrape.Single("userdisk_test_wait_bucket", ("le", "0.1")).Value);
    }

    [Fact]
    public void Label_values_escape_backslash_quote_and_newline()
    {
        const string nasty = "C:\\disks\\\"one\"\nsecond line";
        _meter.CreateCounter<long>("userdisk_test_escape").Add(1, new KeyValuePair<string, object?>("path", nasty));

        string text = _exporter.Scrape();

        Assert.Contains("path=\"C:\\\\disks\\\\\\\"one\\\"\\nsecond line\"", text, StringComparison.Ordinal);
        Assert.Equal(nasty, PrometheusScrape.Parse(text).Single("userdisk_test_escape_total").Labels["path"]);
    }

    [Fact]
    public void Help_text_escapes_backslash_and_newline()
    {
        _meter.CreateCounter<long>("userdisk_test_help", description: "first\\second\nthird").Add(1);

        string text = _exporter.Scrape();

        Assert.Contains("# HELP userdisk_test_help_total first\\\\second\\nthird\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Metric_and_label_names_are_sanitised()
    {
        _meter.CreateCounter<long>("userdisk.test-dotted/name").Add(1, new KeyValuePair<string, object?>("sense.key", "x"), new KeyValuePair<string, object?>("9lives", "y"));

        PrometheusScrape scrape = Scrape();

        PrometheusScrape.Sample sample = scrape.Single("userdisk_test_dotted_name_total");
        Assert.Equal("x", sample.Labels["sense_key"]);
        Assert.Equal("y", sample.Labels["_9lives"]);
    }

    [Fact]
    public void Tag_values_of_any_type_are_formatted_invariantly()
    {
        _meter.CreateCounter<long>("userdisk_test_types").Add(
            1,
            new KeyValuePair<string, object?>("lun", 16383UL),
            new KeyValuePair<string, object?>("ratio", 0.5),
            new KeyValuePair<string, object?>("flag", true),
            new KeyValuePair<string, object?>("none", null));

        IReadOnlyDictionary<string, string> labels = Scrape().Single("userdisk_test_types_total").Labels;

        Assert.Equal("16383", labels["lun"]);
        Assert.Equal("0.5", labels["ratio"]);
        Assert.Equal("true", labels["flag"]);
        Assert.Equal(string.Empty, labels["none"]);
    }

    [Fact]
    public void Families_are_sorted_by_name_and_each_has_one_type_line()
    {
        _meter.CreateCounter<long>("userdisk_test_b").Add(1);
        _meter.CreateCounter<long>("userdisk_test_a").Add(1);

        string[] typeLines = _exporter.Scrape().Split('\n').Where(l => l.StartsWith("# TYPE", StringComparison.Ordinal)).ToArray();

        Assert.Equal(["# TYPE userdisk_test_a_total counter", "# TYPE userdisk_test_b_total counter"], typeLines);
    }

    [Fact]
    public void Instruments_of_a_disposed_meter_stop_being_exported()
    {
        using var other = new Meter($"UserDisk.Test.{Guid.NewGuid():N}");
        using var exporter = new PrometheusExporter(m => ReferenceEquals(m, other));
        other.CreateCounter<long>("userdisk_test_gone").Add(1);
        Assert.Contains("userdisk_test_gone_total", exporter.Scrape(), StringComparison.Ordinal);

        other.Dispose();

        Assert.DoesNotContain("userdisk_test_gone_total", exporter.Scrape(), StringComparison.Ordinal);
    }

    [Fact]
    public void Only_userdisk_meters_of_no_scope_or_the_hosts_scope_are_exported()
    {
        object hostScope = new();
        using var shared = new Meter("UserDisk.Iscsi.Test");
        using var ours = new Meter(new MeterOptions("UserDisk.Server.Test") { Scope = hostScope });
        using var theirs = new Meter(new MeterOptions("UserDisk.Server.Test") { Scope = new object() });
        using var foreign = new Meter("Microsoft.AspNetCore.Hosting.Test");

        Assert.True(PrometheusExporter.IsUserDiskMeter(shared, hostScope));
        Assert.True(PrometheusExporter.IsUserDiskMeter(ours, hostScope));
        Assert.False(PrometheusExporter.IsUserDiskMeter(theirs, hostScope));
        Assert.False(PrometheusExporter.IsUserDiskMeter(foreign, hostScope));
    }

    [Fact]
    public void Empty_exporter_scrapes_to_an_empty_document()
    {
        Assert.Equal(string.Empty, _exporter.Scrape());
    }

    [Fact]
    public void Concurrent_measurements_are_all_counted()
    {
        Counter<long> counter = _meter.CreateCounter<long>("userdisk_test_concurrent");

        Parallel.For(0, 8, worker =>
        {
            for (int i = 0; i < 10_000; i++)
            {
                counter.Add(1, new KeyValuePair<string, object?>("worker", worker % 2));
            }
        });

        PrometheusScrape scrape = Scrape();
        Assert.Equal(80_000, scrape.Named("userdisk_test_concurrent_total").Sum(s => s.Value));
    }

    private PrometheusScrape Scrape() => PrometheusScrape.Parse(_exporter.Scrape());
}
