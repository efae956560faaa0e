using System.Net.Http.Headers;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using UserDisk.Server.Configuration;

namespace UserDisk.Server.Events;

/// <summary>
/// POSTs every event (application/json) to each configured webhook, in order, retrying with exponential back-off
/// and jitter up to <see cref="EventsOptions.WebhookRetryLimit"/>. The queue is bounded: when a webhook is down
/// for long, the oldest events are dropped and counted rather than holding memory without limit.
/// </summary>
public sealed partial class WebhookPublisher : BackgroundService
{
    private readonly EventsOptions _options;
    private readonly EventHub _hub;
    private readonly HttpClient _http;
    private readonly ILogger _logger;

    public WebhookPublisher(UserDiskOptions options, EventHub hub, ILogger<WebhookPublisher> logger, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Events;
        _hub = hub;
        _logger = logger;
        _http = handler is null ? new HttpClient() : new HttpClient(handler);
        _http.Timeout = TimeSpan.FromSeconds(10);
    }

    /// <summary>Events delivered to every webhook (tests wait on it).</summary>
    public long Delivered { get; private set; }

    public override void Dispose()
    {
        _http.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_options.Webhooks.Count == 0)
        {
            return;
        }

        using var subscription = _hub.Subscribe(replay: false, capacity: _options.WebhookQueue);
        await foreach (var e in subscription.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
        {
            string json = EventHub.ToJson(e);
            foreach (var webhook in _options.Webhooks)
            {
                if (!await DeliverAsync(webhook, json, stoppingToken).ConfigureAwait(false))
                {
                    EventHub.CountDropped("webhook");
                    LogDropped(_logger, e.Sequence, e.Type, webhook);
                }
            }

            Delivered++;
        }
    }

    private async Task<bool> DeliverAsync(Uri webhook, string json, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + _options.WebhookRetryLimit;
        var delay = TimeSpan.FromMilliseconds(200);
        for (int attempt = 1; ; attempt++)
        {
            string failure;
            try
            {
                using var content = new StringContent(json, Encoding.UTF8);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                using var response = await _http.PostAsync(webhook, content, cancellationToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    return true;
                }

                failure = $"HTTP {(int)response.StatusCode}";
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                failure = e.Message;
            }

            if (DateTime.UtcNow + delay > deadline)
            {
                return false;
            }

            LogRetry(_logger, webhook, attempt, failure);
            await Task.Delay(delay + TimeSpan.FromMilliseconds(Random.Shared.Next(0, (int)delay.TotalMilliseconds / 2 + 1)), cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook {Webhook}: attempt {Attempt} failed ({Failure}); retrying")]
    private static partial void LogRetry(ILogger logger, Uri webhook, int attempt, string failure);

    [LoggerMessage(Level = LogLevel.Error, Message = "Webhook {Webhook}: event #{Sequence} ({Type}) dropped after the retry limit")]
    private static partial void LogDropped(ILogger logger, long sequence, string type, Uri webhook);
}
