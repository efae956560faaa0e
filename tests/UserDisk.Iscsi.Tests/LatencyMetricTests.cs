using System.Diagnostics.Metrics;

namespace UserDisk.Iscsi.Tests;

public sealed class LatencyMetricTests
{
    [Fact]
    public async Task Each_command_records_its_latency_by_target_lun_and_op()
    {
        await using var target = await TestTarget.StartAsync();
        var seen = new List<(double Seconds, string Target, string Lun, string Op)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == IscsiMetrics.MeterName && instrument.Name == "userdisk_iscsi_command_duration")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, value, tags, _) =>
        {
            var t = tags.ToArray().ToDictionary(p => p.Key, p => (string)p.Value!);
            if (t["target"] == TestTarget.Name)
            {
                lock (seen)
                {
                    seen.Add((value, t["target"], t["lun"], t["op"]));
                }
            }
        });
        listener.Start();

        using var initiator = target.Connect();
        initiator.Login(TestTarget.Name);
        Assert.Equal(0, initiator.Command([0x28, 0, 0, 0, 0, 0, 0, 0, 8, 0], expectedLength: 4096).Status);
        Assert.Equal(0, initiator.Command([0x2A, 0, 0, 0, 0, 0, 0, 0, 8, 0], dataOut: new byte[4096], immediate: 4096).Status);
        Assert.Equal(0, initiator.Command([0x00, 0, 0, 0, 0, 0], lun: 1).Status);

        lock (seen)
        {
            Assert.Contains(seen, m => m.Lun == "0" && m.Op == "read" && m.Seconds > 0 && m.Seconds < 10);
            Assert.Contains(seen, m => m.Lun == "0" && m.Op == "write" && m.Seconds > 0);
            Assert.Contains(seen, m => m.Lun == "1" && m.Op == "other");
        }
    }
}
