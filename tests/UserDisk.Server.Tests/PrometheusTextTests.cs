using UserDisk.Server.Metrics;

namespace UserDisk.Server.Tests;

public sealed class PrometheusTextTests
{
    [Theory]
    [InlineData(0d, "0")]
    [InlineData(1073741824d, "1073741824")]
    [InlineData(-3d, "-3")]
    [InlineData(0.005, "0.005")]
    [InlineData(double.PositiveInfinity, "+Inf")]
    [InlineData(double.NegativeInfinity, "-Inf")]
    [InlineData(double.NaN, "NaN")]
    [InlineData(1e20, "1E+20")]
    public void Values_are_written_as_prometheus_parses_them(double value, string expected)
    {
        Assert.Equal(expected, PrometheusText.Value(value));
    }

    [Theory]
    [InlineData("userdisk_lun_commands", "userdisk_lun_commands")]
    [InlineData("http.server.request.duration", "http_server_request_duration")]
    [InlineData("ns:metric", "ns:metric")]
    [InlineData("1st", "_1st")]
    [InlineData("µs", "_s")]
    public void Metric_names_keep_only_letters_digits_underscores_and_colons(string name, string expected)
    {
        Assert.Equal(expected, PrometheusText.MetricName(name));
    }

    [Fact]
    public void Label_names_may_not_contain_colons()
    {
        Assert.Equal("a_b", PrometheusText.LabelName("a:b"));
    }
}
