using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using UserDisk.Server.Cli;
using UserDisk.Server.Configuration;
using UserDisk.Server.Events;

namespace UserDisk.Server.Tests;

/// <summary>Lifecycle events: the JSON shape, /events as NDJSON and server-sent events with replay, webhooks.</summary>
public sealed class EventsTests : ServeTestBase
{
    private const string Target = "iqn.2026-11.io.userdisk:events";

    public EventsTests()
    {
        Settings["USERDISK__TARGETS__0__NAME"] = Target;
        Settings["USERDISK__TARGETS__0__LUNS__0__NUMBER"] = "0";
        Settings["USERDISK__TARGETS__0__LUNS__0__NAME"] = "disk0";
        Settings["USERDISK__TARGETS__0__LUNS__0__BACKSTORE"] = "memory:16M";
        Settings["USERDISK__SHUTDOWNTIMEOUT"] = "5";
    }


    [Fact]
    public async Task Events_stream_as_ndjson_with_the_registration_replayed_in_the_stable_shape()
    {
        await using WebApplication app = await StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(Assert.Single(app.Urls)) };
        using var response = await http.GetAsync(new Uri("/events", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(TestContext.Current.CancellationToken));

        string line = (await reader.ReadLineAsync(TestContext.Current.CancellationToken))!;
        using var json = JsonDocument.Parse(line);
        var e = json.RootElement;

        Assert.Equal(1, e.GetProperty("version").GetInt32());
        Assert.Equal("device.registered", e.GetProperty("type").GetString());
        Assert.Equal("disk0", e.GetProperty("device").GetString());
        Assert.Equal("iscsi", e.GetProperty("frontend").GetString());
        Assert.Equal(Target, e.GetProperty("target").GetString());
        Assert.Equal(0ul, e.GetProperty("lun").GetUInt64());
        Assert.Equal(16L << 20, e.GetProperty("size_bytes").GetInt64());
        Assert.Equal(512, e.GetProperty("block_size").GetInt32());
        Assert.False(e.GetProperty("read_only").GetBoolean());
        Assert.Matches("^3[0-9a-f]{15}$", e.GetProperty("naa").GetString());
        Assert.False(string.IsNullOrEmpty(e.GetProperty("serial").GetString()));
        Assert.Equal("memory:16M", e.GetProperty("backstore").GetString());
        Assert.True(e.GetProperty("sequence").GetInt64() >= 1);
        Assert.True(DateTimeOffset.UtcNow - e.GetProperty("time").GetDateTimeOffset() < TimeSpan.FromMinutes(1));
        Assert.Contains(Logs.Lines, l => l.Contains("Event device.registered disk0", StringComparison.Ordinal));
        await app.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Server_sent_events_carry_id_event_and_data_and_live_events_follow()
    {
        await using WebApplication app = await StartAsync();
        var hub = (EventHub)app.Services.GetService(typeof(EventHub))!;
        using var http = new HttpClient { BaseAddress = new Uri(Assert.Single(app.Urls)) };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/events?replay=false");
        request.Headers.Accept.ParseAdd("text/event-stream");
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(TestContext.Current.CancellationToken));

        var published = hub.Publish(new UserDiskEvent { Type = "backstore.failed", Device = "disk0", Reason = "test" });

        Assert.Equal($"id: {published.Sequence}", await reader.ReadLineAsync(TestContext.Current.CancellationToken));
        Assert.Equal("event: backstore.failed", await reader.ReadLineAsync(TestContext.Current.CancellationToken));
        string data = (await reader.ReadLineAsync(TestContext.Current.CancellationToken))!;
        Assert.StartsWith("data: {", data, StringComparison.Ordinal);
        Assert.Contains("\"reason\":\"test\"", data, StringComparison.Ordinal);
        Assert.Equal(string.Empty, await reader.ReadLineAsync(TestContext.Current.CancellationToken));
        await app.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public void Backstore_strings_read_as_written_in_the_json()
    {
        string json = EventHub.ToJson(new UserDiskEvent { Type = "device.registered", Device = "d", Backstore = "file:/srv/d.img?size=1G&create" });

        Assert.Contains("\"backstore\":\"file:/srv/d.img?size=1G&create\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\"reason\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Replay_keeps_only_the_most_recent_events()
    {
        var hub = new EventHub(Options(replay: 3), NullLogger<EventHub>.Instance);
        for (int i = 0; i < 5; i++)
        {
            hub.Publish(new UserDiskEvent { Type = "device.registered", Device = $"d{i}" });
        }

        using var subscription = hub.Subscribe(replay: true);
        var seen = new List<string>();
        while (subscription.Reader.TryRead(out var e))
        {
            seen.Add(e.Device);
        }

        Assert.Equal(["d2", "d3", "d4"], seen);
    }

    [Fact]
    public async Task A_webhook_gets_each_event_after_failures_are_retried()
    {
        var handler = new ScriptedHandler(HttpStatusCode.ServiceUnavailable, HttpStatusCode.InternalServerError, HttpStatusCode.OK);
        var options = Options(webhook: new Uri("http://127.0.0.1:9/hook"));
        var hub = new EventHub(options, NullLogger<EventHub>.Instance);
        using var publisher = new WebhookPublisher(options, hub, NullLogger<WebhookPublisher>.Instance, handler);
        await publisher.StartAsync(TestContext.Current.CancellationToken);
        await Task.Delay(100, TestContext.Current.CancellationToken);

        hub.Publish(new UserDiskEvent { Type = "device.registered", Device = "d0" });
        await WaitUntil(() => publisher.Delivered == 1);

        Assert.Equal(3, handler.Requests.Count);
        Assert.All(handler.Requests, body => Assert.Contains("\"device\":\"d0\"", body, StringComparison.Ordinal));
        await publisher.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task A_webhook_that_stays_down_loses_the_event_after_the_retry_limit_without_blocking_the_next()
    {
        var handler = new ScriptedHandler(Enumerable.Repeat(HttpStatusCode.BadGateway, 50).ToArray());
        var options = Options(webhook: new Uri("http://127.0.0.1:9/hook"), retryLimit: TimeSpan.FromMilliseconds(500));
        var hub = new EventHub(options, NullLogger<EventHub>.Instance);
        var logs = new CapturingLoggerProvider();
        using var publisher = new WebhookPublisher(options, hub, new Logger<WebhookPublisher>(new LoggerFactory([logs])), handler);
        await publisher.StartAsync(TestContext.Current.CancellationToken);
        await Task.Delay(100, TestContext.Current.CancellationToken);

        hub.Publish(new UserDiskEvent { Type = "device.registered", Device = "d0" });
        hub.Publish(new UserDiskEvent { Type = "device.registered", Device = "d1" });
        await WaitUntil(() => publisher.Delivered == 2, 10_000);

        Assert.Equal(2, logs.Lines.Count(l => l.Contains("dropped after the retry limit", StringComparison.Ordinal)));
        await publisher.StopAsync(TestContext.Current.CancellationToken);
        logs.Dispose();
    }

    private static UserDiskOptions Options(int replay = 100, Uri? webhook = null, TimeSpan? retryLimit = null) => new()
    {
        Targets = [],
        DataDir = "/tmp",
        Events = new EventsOptions
        {
            Replay = replay,
            Webhooks = webhook is null ? [] : [webhook],
            WebhookRetryLimit = retryLimit ?? TimeSpan.FromSeconds(30),
        },
    };

    private static async Task WaitUntil(Func<bool> condition, int timeoutMs = 10_000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met in time");
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }




    /// <summary>Answers POSTs with a scripted sequence of statuses and records the bodies.</summary>
    private sealed class ScriptedHandler(params HttpStatusCode[] statuses) : HttpMessageHandler
    {
        private int _next;

        public List<string> Requests { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add(await request.Content!.ReadAsStringAsync(cancellationToken));
            var status = statuses[Math.Min(_next++, statuses.Length - 1)];
            return new HttpResponseMessage(status);
        }
    }
}
