using System.Diagnostics.Metrics;

namespace UserDisk.Platform.Attach;

/// <summary>The attach agent's instruments (meter "UserDisk.Platform").</summary>
public sealed class AttachMetrics : IDisposable
{
    public const string MeterName = "UserDisk.Platform";

    public AttachMetrics(IMeterFactory? meterFactory = null)
    {
        Meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        Attempts = Meter.CreateCounter<long>("userdisk_platform_attach_attempts", description: "LUN add commands written, by driver.");
        Successes = Meter.CreateCounter<long>("userdisk_platform_attach_successes", description: "Devices attached (LUN added), by driver.");
        Failures = Meter.CreateCounter<long>("userdisk_platform_attach_failures", description: "Failed LUN adds, by reason (lun_taken, no_free_lun, target_missing, timeout, errno).");
        Unmatched = Meter.CreateCounter<long>("userdisk_platform_unmatched_devices", description: "User devices seen that no attach rule matches (each name counted once).");
    }

    internal Meter Meter { get; }

    internal Counter<long> Attempts { get; }

    internal Counter<long> Successes { get; }

    internal Counter<long> Failures { get; }

    internal Counter<long> Unmatched { get; }

    public void Dispose() => Meter.Dispose();
}
