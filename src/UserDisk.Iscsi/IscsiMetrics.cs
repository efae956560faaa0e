using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace UserDisk.Iscsi;

/// <summary>
/// The iSCSI front end's instruments (meter "UserDisk.Iscsi"). The host exports every "UserDisk.*" meter in the
/// Prometheus text format; instruments cost an interlocked add when nobody listens.
/// </summary>
public sealed class IscsiMetrics
{
    public const string MeterName = "UserDisk.Iscsi";

    private readonly Counter<long> _connectionsOpened;
    private readonly Counter<long> _logins;
    private readonly Counter<long> _protocolErrors;
    private readonly Counter<long> _pdusReceived;
    private readonly Counter<long> _taskManagement;
    private readonly Histogram<double> _commandLatency;
    private long _connections;
    private long _sessions;

    private IscsiMetrics(Meter meter)
    {
        Meter = meter;
        _connectionsOpened = meter.CreateCounter<long>("userdisk_iscsi_connections_opened", description: "TCP connections accepted");
        _logins = meter.CreateCounter<long>("userdisk_iscsi_logins", description: "Login attempts by result (success, auth_failed, target_not_found, error)");
        _protocolErrors = meter.CreateCounter<long>("userdisk_iscsi_protocol_errors", description: "Malformed or out-of-window PDUs, digest errors and login protocol errors, by reason");
        _pdusReceived = meter.CreateCounter<long>("userdisk_iscsi_pdus_received", description: "PDUs received");
        _taskManagement = meter.CreateCounter<long>("userdisk_iscsi_task_management", description: "Task management requests by function");

        // From the SCSI Command PDU (with all its data) to the response being queued, per LUN and kind of command;
        // buckets from 10 us (a page-cache read) to 10 s (a stalled object store).
        _commandLatency = meter.CreateHistogram<double>(
            "userdisk_iscsi_command_duration",
            unit: "s",
            description: "SCSI command latency at the target, by target, LUN and op (read, write, other)",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
        meter.CreateObservableGauge("userdisk_iscsi_connections", () => Interlocked.Read(ref _connections), description: "Open TCP connections");
        meter.CreateObservableGauge("userdisk_iscsi_sessions", () => Interlocked.Read(ref _sessions), description: "Logged-in sessions (normal and discovery)");
    }

    /// <summary>The process-wide instance (one meter per process, as the runtime's own libraries do).</summary>
    public static IscsiMetrics Shared { get; } = new(new Meter(MeterName));

    public Meter Meter { get; }

    public long Connections => Interlocked.Read(ref _connections);

    public long Sessions => Interlocked.Read(ref _sessions);

    internal void ConnectionOpened()
    {
        Interlocked.Increment(ref _connections);
        _connectionsOpened.Add(1);
    }

    internal void ConnectionClosed() => Interlocked.Decrement(ref _connections);

    internal void SessionOpened() => Interlocked.Increment(ref _sessions);

    internal void SessionClosed() => Interlocked.Decrement(ref _sessions);

    internal void Login(string result) => _logins.Add(1, new KeyValuePair<string, object?>("result", result));

    internal void ProtocolError(string reason) => _protocolErrors.Add(1, new KeyValuePair<string, object?>("reason", reason));

    internal void PduReceived() => _pdusReceived.Add(1);

    /// <summary>Records one command's latency; <paramref name="tags"/> come from <see cref="LatencyTags"/>, so nothing is allocated.</summary>
    internal void CommandCompleted(double seconds, in TagList tags) => _commandLatency.Record(seconds, tags);

    internal void TaskManagement(string function) => _taskManagement.Add(1, new KeyValuePair<string, object?>("function", function));
}
