using System.Diagnostics.Metrics;

namespace UserDisk.Scst;

/// <summary>
/// The scst_user front end's instruments (meter "UserDisk.Scst", exported by the server's Prometheus endpoint).
/// Counters carry a "device" tag; buffer gauges are read from the registered devices when scraped.
/// </summary>
public sealed class ScstMetrics : IDisposable
{
    public const string MeterName = "UserDisk.Scst";

    private readonly Meter _meter;
    private readonly List<ScstUserDevice> _devices = [];
    private readonly Lock _lock = new();

    public ScstMetrics(IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        Calls = _meter.CreateCounter<long>("userdisk_scst_ioctl_calls", description: "REPLY_AND_GET_MULTI calls made by the workers.");
        Commands = _meter.CreateCounter<long>("userdisk_scst_commands", description: "EXEC subcommands executed.");
        CommandErrors = _meter.CreateCounter<long>("userdisk_scst_command_errors", description: "EXECs that ended with a status other than GOOD.");
        ReplyErrors = _meter.CreateCounter<long>("userdisk_scst_reply_errors", description: "Replies the kernel refused (ESRCH, EINVAL, EFAULT).");
        TaskManagement = _meter.CreateCounter<long>("userdisk_scst_task_management", description: "Task management functions received.");
        Sessions = _meter.CreateUpDownCounter<long>("userdisk_scst_sessions", description: "I_T_L nexuses attached now.");
        AllocationFailures = _meter.CreateCounter<long>("userdisk_scst_buffer_allocation_failures", description: "Data buffers that could not be mapped (the kernel answered BUSY).");
        Aborted = _meter.CreateCounter<long>("userdisk_scst_commands_aborted", description: "Commands ON_FREE_CMD reported aborted.");
        DeliveryFailures = _meter.CreateCounter<long>("userdisk_scst_delivery_failures", description: "Commands whose response the target driver failed to deliver.");
        Faults = _meter.CreateCounter<long>("userdisk_scst_device_faults", description: "Times a device was taken down because its loop could not go on.");
        Events = _meter.CreateCounter<long>("userdisk_scst_events", description: "Events read from /dev/scst_event, by kind: registration (a device name delivered), malformed (a REG_VIRT_DEV event whose payload could not be used), ignored (any other event).");
        _meter.CreateObservableGauge("userdisk_scst_buffer_bytes", ObserveBufferBytes, unit: "By", description: "Data buffer bytes mapped, by holder (kernel or pool).");
        _meter.CreateObservableGauge("userdisk_scst_registered", ObserveRegistered, description: "1 while the device is registered with scst_user.");
    }

    internal Counter<long> Calls { get; }

    internal Counter<long> Commands { get; }

    internal Counter<long> CommandErrors { get; }

    internal Counter<long> ReplyErrors { get; }

    internal Counter<long> TaskManagement { get; }

    internal UpDownCounter<long> Sessions { get; }

    internal Counter<long> AllocationFailures { get; }

    internal Counter<long> Aborted { get; }

    internal Counter<long> DeliveryFailures { get; }

    internal Counter<long> Faults { get; }

    /// <summary>Events the <see cref="ScstEventReader"/> read, tagged kind=registration|malformed|ignored.</summary>
    internal Counter<long> Events { get; }

    internal void Track(ScstUserDevice device)
    {
        lock (_lock)
        {
            if (!_devices.Contains(device))
            {
                _devices.Add(device);
            }
        }
    }

    internal void Untrack(ScstUserDevice device)
    {
        lock (_lock)
        {
            _devices.Remove(device);
        }
    }

    public void Dispose() => _meter.Dispose();

    private List<Measurement<long>> ObserveBufferBytes()
    {
        lock (_lock)
        {
            var result = new List<Measurement<long>>(_devices.Count * 2);
            foreach (var device in _devices)
            {
                long kernel = device.Buffers.BytesWithKernel;
                result.Add(new(kernel, new("device", device.Name), new("holder", "kernel")));
                result.Add(new(device.Buffers.BytesMapped - kernel, new("device", device.Name), new("holder", "pool")));
            }

            return result;
        }
    }

    private List<Measurement<int>> ObserveRegistered()
    {
        lock (_lock)
        {
            return _devices.ConvertAll(d => new Measurement<int>(d.IsRegistered ? 1 : 0, new KeyValuePair<string, object?>("device", d.Name)));
        }
    }
}
