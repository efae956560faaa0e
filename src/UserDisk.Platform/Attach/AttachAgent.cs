using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace UserDisk.Platform.Attach;

/// <summary>
/// The platform side of a registration (ABI-SCST-USER.md §9.5): sets up targets and groups, reconciles every device
/// SCST already has, then applies the LUN policy to each device that registers — learned from /dev/scst_event and,
/// where configured, from UserDisk's own event stream — and rescans on a timer so nothing missed stays unattached
/// (events are not persisted: a registration while the agent was down is found by the scan).
/// </summary>
public sealed partial class AttachAgent
{
    private readonly AttachManager _manager;
    private readonly IReadOnlyList<IAsyncEnumerable<string>> _sources;
    private readonly TimeSpan _rescanInterval;
    private readonly ILogger _logger;
    private readonly Channel<(string Device, long Seen)> _registrations = Channel.CreateUnbounded<(string, long)>();

    /// <param name="sources">Streams of registered device names (the scst_event reader, UserDisk's /events).</param>
    public AttachAgent(AttachManager manager, IReadOnlyList<IAsyncEnumerable<string>> sources, TimeSpan rescanInterval, ILogger<AttachAgent> logger)
    {
        ArgumentNullException.ThrowIfNull(manager);
        _manager = manager;
        _sources = sources ?? [];
        _rescanInterval = rescanInterval;
        _logger = logger;
    }

    /// <summary>Time from the last registration event to its LUNs being added (or found present).</summary>
    public TimeSpan? LastAttachLatency { get; private set; }

    /// <summary>Registrations handled so far (tests wait on it).</summary>
    public int Handled { get; private set; }

    public AttachManager Manager => _manager;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var startup = await _manager.StartupAsync(cancellationToken).ConfigureAwait(false);
        int attached = startup.Count(r => r.Succeeded);
        LogStartup(_logger, attached, startup.Count);
        var pumps = _sources.Select(source => PumpAsync(source, cancellationToken)).ToList();
        using var rescan = new PeriodicTimer(_rescanInterval);
        var tick = rescan.WaitForNextTickAsync(cancellationToken).AsTask();
        var next = _registrations.Reader.ReadAsync(cancellationToken).AsTask();
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var done = await Task.WhenAny(next, tick).ConfigureAwait(false);
                if (done == next)
                {
                    var (device, seen) = await next.ConfigureAwait(false);
                    next = _registrations.Reader.ReadAsync(cancellationToken).AsTask();
                    var result = await _manager.ReconcileDeviceAsync(device, cancellationToken).ConfigureAwait(false);
                    LastAttachLatency = Stopwatch.GetElapsedTime(seen);
                    Handled++;
                    LogHandled(_logger, device, result.Outcome, result.Lun, LastAttachLatency.Value.TotalMilliseconds, result.Error ?? result.Reason);
                }
                else
                {
                    await tick.ConfigureAwait(false);
                    tick = rescan.WaitForNextTickAsync(cancellationToken).AsTask();
                    await _manager.ReconcileAllAsync(cancellationToken).ConfigureAwait(false);
                    await _manager.RemoveStaleAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }

        await Task.WhenAll(pumps).ConfigureAwait(false);
    }

    private async Task PumpAsync(IAsyncEnumerable<string> source, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var device in source.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                _registrations.Writer.TryWrite((device, Stopwatch.GetTimestamp()));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            // A source that dies (SCST unloaded, the stream gone) leaves the rescan to catch registrations.
            LogSourceFailed(_logger, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Attach agent started: {Succeeded} of {Total} existing device(s) attached")]
    private static partial void LogStartup(ILogger logger, int succeeded, int total);

    [LoggerMessage(Level = LogLevel.Information, Message = "Registration of {Device}: {Outcome}, LUN {Lun}, {Milliseconds:0.0} ms after the event ({Detail})")]
    private static partial void LogHandled(ILogger logger, string device, AttachOutcome outcome, int? lun, double milliseconds, string? detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "An event source stopped: {Reason}; the periodic rescan still finds new devices")]
    private static partial void LogSourceFailed(ILogger logger, string reason);
}
