namespace UserDisk.Server.Configuration;

/// <summary>Section <c>UserDisk:Events</c>: where lifecycle events go besides the log and <c>/events</c>.</summary>
public sealed class EventsOptions
{
    /// <summary>Recent events a new <c>/events</c> subscriber receives first.</summary>
    public int Replay { get; init; } = 100;

    /// <summary>URLs every event is POSTed to (JSON), with retries.</summary>
    public IReadOnlyList<Uri> Webhooks { get; init; } = [];

    /// <summary>Events waiting for the webhooks; beyond this the oldest are dropped and counted.</summary>
    public int WebhookQueue { get; init; } = 1000;

    /// <summary>How long one event is retried against one webhook before it is dropped.</summary>
    public TimeSpan WebhookRetryLimit { get; init; } = TimeSpan.FromMinutes(2);
}
