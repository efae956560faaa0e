using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using UserDisk.Server.Configuration;
using UserDisk.Server.Hosting;

namespace UserDisk.Server.Events;

/// <summary>
/// Where every lifecycle event goes: a structured log line, the subscribers of <c>/events</c> (each with a bounded
/// queue; a subscriber that does not keep up loses events, counted, rather than slowing the server), the webhooks,
/// and a short replay buffer for subscribers that connect late (a platform agent restarting).
/// </summary>
public sealed partial class EventHub
{
    private static readonly Meter Meter = new("UserDisk.Events");
    private static readonly Counter<long> Published = Meter.CreateCounter<long>("userdisk_events_published", description: "Events published, by type.");
    private static readonly Counter<long> Dropped = Meter.CreateCounter<long>("userdisk_events_dropped", description: "Events a slow subscriber or a full webhook queue lost.");

    private readonly Lock _lock = new();
    private readonly LinkedList<UserDiskEvent> _recent = new();
    private readonly List<Channel<UserDiskEvent>> _subscribers = [];
    private readonly ILogger _logger;
    private readonly string _frontend;
    private long _sequence;

    public EventHub(UserDiskOptions options, ILogger<EventHub> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _logger = logger;
        _frontend = options.Frontend == FrontendKind.Scst ? "scst" : "iscsi";
        ReplayCount = options.Events.Replay;
    }

    /// <summary>How many recent events a new subscriber receives first.</summary>
    public int ReplayCount { get; }

    /// <summary>Serialized form, one line of JSON.</summary>
    public static string ToJson(UserDiskEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return e.ToString();
    }

    /// <summary>Stamps the event (sequence, time) and sends it everywhere.</summary>
    public UserDiskEvent Publish(UserDiskEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        UserDiskEvent stamped;
        Channel<UserDiskEvent>[] subscribers;
        lock (_lock)
        {
            stamped = e with { Sequence = ++_sequence, Time = DateTimeOffset.UtcNow, Frontend = e.Frontend ?? _frontend };
            _recent.AddLast(stamped);
            while (_recent.Count > ReplayCount)
            {
                _recent.RemoveFirst();
            }

            subscribers = [.. _subscribers];
        }

        foreach (var subscriber in subscribers)
        {
            if (!subscriber.Writer.TryWrite(stamped))
            {
                Dropped.Add(1, new KeyValuePair<string, object?>("sink", "subscriber"));
            }
        }

        Published.Add(1, new KeyValuePair<string, object?>("type", stamped.Type));
        LogEvent(_logger, stamped.Type, stamped.Device, stamped.Sequence, stamped);
        return stamped;
    }

    /// <summary>A device-level event built from a served LUN.</summary>
    public UserDiskEvent Publish(string type, ServedLun lun, string? device = null, string? reason = null, string? image = null)
    {
        ArgumentNullException.ThrowIfNull(lun);
        return Publish(new UserDiskEvent
        {
            Type = type,
            Device = device ?? lun.Options.Device ?? lun.Options.Name,
            Target = _frontend == "iscsi" ? lun.Target.Name : null,
            Lun = _frontend == "iscsi" ? lun.Options.Number : null,
            SizeBytes = lun.SizeBytes,
            BlockSize = lun.Unit.BlockSize,
            ReadOnly = lun.Unit.IsReadOnly,
            Serial = lun.Unit.SerialNumber,
            Naa = UserDiskEvent.FormatNaa(lun.Unit.NaaDesignator),
            Backstore = lun.Options.Backstore,
            Reason = reason,
            Image = image,
        });
    }

    /// <summary>
    /// Subscribes: the recent events (when <paramref name="replay"/>) then every new one, through a bounded queue
    /// of <paramref name="capacity"/>. Dispose the subscription to leave.
    /// </summary>
    public Subscription Subscribe(bool replay, int capacity = 1024)
    {
        var channel = Channel.CreateBounded<UserDiskEvent>(new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
        lock (_lock)
        {
            if (replay)
            {
                foreach (var e in _recent)
                {
                    channel.Writer.TryWrite(e);
                }
            }

            _subscribers.Add(channel);
        }

        return new Subscription(this, channel);
    }

    private void Unsubscribe(Channel<UserDiskEvent> channel)
    {
        lock (_lock)
        {
            _subscribers.Remove(channel);
        }

        channel.Writer.TryComplete();
    }

    /// <summary>Counts an event a sink other than a subscriber lost (a full webhook queue, retries exhausted).</summary>
    internal static void CountDropped(string sink) => Dropped.Add(1, new KeyValuePair<string, object?>("sink", sink));

    [LoggerMessage(Level = LogLevel.Information, EventName = "UserDiskEvent", Message = "Event {Type} {Device} #{Sequence}: {Json}")]
    private static partial void LogEvent(ILogger logger, string type, string device, long sequence, UserDiskEvent json);

    /// <summary>One subscriber's view of the events.</summary>
    public sealed class Subscription(EventHub hub, Channel<UserDiskEvent> channel) : IDisposable
    {
        public ChannelReader<UserDiskEvent> Reader => channel.Reader;

        public void Dispose() => hub.Unsubscribe(channel);
    }
}
