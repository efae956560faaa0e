using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using UserDisk.Server.Hosting;
using UserDisk.Server.Http;
using UserDisk.Server.Metrics;

namespace UserDisk.Server.Tests;

/// <summary>/metrics, /healthz and /readyz on an in-memory test server.</summary>
public sealed class HttpEndpointsTests : IAsyncDisposable
{
    private readonly Meter _meter = new($"UserDisk.Test.{Guid.NewGuid():N}");
    private readonly Readiness _readiness = new();
    private readonly WebApplication _app;

    public HttpEndpointsTests()
    {
        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseTestServer();
        builder.Services.AddRoutingCore();
        builder.Services.AddSingleton(_readiness);
        builder.Services.AddSingleton(new PrometheusExporter(m => ReferenceEquals(m, _meter)));
        _app = builder.Build();
        HttpEndpoints.Map(_app);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        _meter.Dispose();
    }

    [Fact]
    public async Task Healthz_answers_200_ok()
    {
        HttpResponseMessage response = await GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Readyz_answers_503_before_the_backstores_are_open()
    {
        HttpResponseMessage response = await GetAsync("/readyz");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("opening backstores", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Readyz_answers_503_until_the_front_end_listens()
    {
        _readiness.BackstoresOpened();

        HttpResponseMessage response = await GetAsync("/readyz");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
    }

    [Fact]
    public async Task Readyz_answers_200_once_backstores_are_open_and_the_front_end_listens()
    {
        _readiness.BackstoresOpened();
        _readiness.FrontendListening();

        HttpResponseMessage response = await GetAsync("/readyz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Readyz_answers_503_again_once_stopping_while_healthz_stays_200()
    {
        _readiness.BackstoresOpened();
        _readiness.FrontendListening();
        _readiness.Stopping();

        HttpResponseMessage ready = await GetAsync("/readyz");
        HttpResponseMessage healthy = await GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal("stopping", await ready.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(HttpStatusCode.OK, healthy.StatusCode);
    }

    [Fact]
    public async Task Metrics_answers_in_the_prometheus_text_format()
    {
        _meter.CreateCounter<long>("userdisk_test_http").Add(2);

        HttpResponseMessage response = await GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        PrometheusScrape scrape = PrometheusScrape.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(2, scrape.Single("userdisk_test_http_total").Value);
    }

    private async Task<HttpResponseMessage> GetAsync(string path)
    {
        await _app.StartAsync(TestContext.Current.CancellationToken);
        using HttpClient client = _app.GetTestClient();
        return await client.GetAsync(new Uri(path, UriKind.Relative), TestContext.Current.CancellationToken);
    }
}
