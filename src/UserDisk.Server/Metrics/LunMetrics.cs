using System.Diagnostics.Metrics;
using System.Text;
using UserDisk.Scsi;
using UserDisk.Server.Hosting;

namespace UserDisk.Server.Metrics;

/// <summary>
/// Per-LUN instruments on meter <see cref="MeterName"/>, observed from each <see cref="LogicalUnit.Counters"/> when
/// scraped (the data path only bumps Interlocked fields). Every series carries <c>target</c>, <c>lun</c> and
/// <c>name</c> labels.
/// </summary>
public sealed class LunMetrics
{
    public const string MeterName = "UserDisk.Server";

    private static readonly SenseKey[] SenseKeys = Enum.GetValues<SenseKey>();
    private static readonly string[] SenseKeyLabels = SenseKeys.Select(SnakeCase).ToArray();

    private readonly LunCatalog _catalog;

    public LunMetrics(IMeterFactory meterFactory, LunCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _catalog = catalog;
        Meter = meterFactory.Create(MeterName);
        Meter.CreateObservableCounter("userdisk_lun_commands", Commands, description: "SCSI commands completed, by op (read, write, other)");
        Meter.CreateObservableCounter("userdisk_lun_bytes", Bytes, unit: "By", description: "Bytes transferred by READ and WRITE commands, by op (read, write)");
        Meter.CreateObservableCounter("userdisk_lun_backstore_errors", BackstoreErrors, description: "Backstore operations that failed");
        Meter.CreateObservableCounter("userdisk_lun_check_conditions", CheckConditions, description: "Commands that ended in CHECK CONDITION, by sense key");
        Meter.CreateObservableGauge("userdisk_lun_capacity_bytes", Capacity, unit: "By", description: "Size of the logical unit in bytes");
        Meter.CreateObservableGauge("userdisk_lun_running_commands", Running, description: "Commands executing now");
    }

    public Meter Meter { get; }

    private IEnumerable<Measurement<long>> Commands()
    {
        foreach (ServedLun lun in _catalog.Luns)
        {
            LogicalUnitCounters c = lun.Unit.Counters;
            yield return new(c.ReadCommands, Tags(lun, "op", "read"));
            yield return new(c.WriteCommands, Tags(lun, "op", "write"));
            yield return new(c.OtherCommands, Tags(lun, "op", "other"));
        }
    }

    private IEnumerable<Measurement<long>> Bytes()
    {
        foreach (ServedLun lun in _catalog.Luns)
        {
            yield return new(lun.Unit.Counters.BytesRead, Tags(lun, "op", "read"));
            yield return new(lun.Unit.Counters.BytesWritten, Tags(lun, "op", "write"));
        }
    }

    private IEnumerable<Measurement<long>> BackstoreErrors() =>
        _catalog.Luns.Select(lun => new Measurement<long>(lun.Unit.Counters.BackstoreErrors, Tags(lun)));

    private IEnumerable<Measurement<long>> CheckConditions()
    {
        foreach (ServedLun lun in _catalog.Luns)
        {
            for (int i = 0; i < SenseKeys.Length; i++)
            {
                yield return new(lun.Unit.Counters.CheckConditions(SenseKeys[i]), Tags(lun, "sense_key", SenseKeyLabels[i]));
            }
        }
    }

    private IEnumerable<Measurement<long>> Capacity() =>
        _catalog.Luns.Select(lun => new Measurement<long>(lun.SizeBytes, Tags(lun)));

    private IEnumerable<Measurement<int>> Running() =>
        _catalog.Luns.Select(lun => new Measurement<int>(lun.Unit.RunningCommands, Tags(lun)));

    private static KeyValuePair<string, object?>[] Tags(ServedLun lun) =>
    [
        new("target", lun.Target.Name),
        new("lun", lun.Options.Number),
        new("name", lun.Options.Name),
    ];

    private static KeyValuePair<string, object?>[] Tags(ServedLun lun, string key, string value) =>
    [
        new("target", lun.Target.Name),
        new("lun", lun.Options.Number),
        new("name", lun.Options.Name),
        new(key, value),
    ];

    /// <summary>IllegalRequest → illegal_request.</summary>
    private static string SnakeCase(SenseKey key)
    {
        string name = key.ToString();
        var builder = new StringBuilder(name.Length + 4);
        for (int i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
            {
                builder.Append('_');
            }

            builder.Append(char.ToLowerInvariant(name[i]));
        }

        return builder.ToString();
    }
}
