using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using UserDisk.Scsi;
using UserDisk.Server.Configuration;
using UserDisk.Server.Hosting;
using UserDisk.Server.Metrics;
using UserDisk.Storage;

namespace UserDisk.Server.Tests;

/// <summary>The per-LUN instruments, observed from the engine's counters through the exporter.</summary>
public sealed class LunMetricsTests : IDisposable
{
    private readonly ServiceProvider _services;
    private readonly LunCatalog _catalog = new();
    private readonly PrometheusExporter _exporter;
    private readonly LogicalUnit _unit;

    public LunMetricsTests()
    {
        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        IMeterFactory factory = _services.GetRequiredService<IMeterFactory>();
        _ = new LunMetrics(factory, _catalog);
        _exporter = new PrometheusExporter(m => m.Name == LunMetrics.MeterName && ReferenceEquals(m.Scope, factory));
        _unit = new LogicalUnit(new MemoryBackstore("lun-metrics-test", 1 << 20, 512, readOnly: false), new LogicalUnitOptions { PowerOnUnitAttention = false });
        var target = new TargetOptions { Name = "iqn.2026-11.io.userdisk:metrics", Portal = UserDiskOptions.DefaultPortal, Luns = [] };
        LunOptions lun = new() { Number = 3, Name = "scratch", Backstore = "memory:1M", BackstoreUri = BackstoreUri.Parse("memory:1M") };
        _catalog.Publish([new ServedLun { Target = target, Options = lun, Unit = _unit }], DateTimeOffset.UtcNow);
    }

    public void Dispose()
    {
        _exporter.Dispose();
        _services.Dispose();
        _unit.Backstore.Dispose();
    }

    [Fact]
    public async Task Reads_and_writes_are_counted_by_op_with_target_lun_and_name_labels()
    {
        await RunAsync([0x2A, 0, 0, 0, 0, 0, 0, 0, 2, 0], DataDirection.Write, new byte[1024]); // WRITE(10), 2 blocks
        await RunAsync([0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0], DataDirection.Read, new byte[512]); // READ(10), 1 block
        await RunAsync([0x00, 0, 0, 0, 0, 0], DataDirection.None, []); // TEST UNIT READY

        PrometheusScrape scrape = PrometheusScrape.Parse(_exporter.Scrape());

        (string, string)[] lun = [("target", "iqn.2026-11.io.userdisk:metrics"), ("lun", "3"), ("name", "scratch")];
        Assert.Equal(1, scrape.Single("userdisk_lun_commands_total", [.. lun, ("op", "read")]).Value);
        Assert.Equal(1, scrape.Single("userdisk_lun_commands_total", [.. lun, ("op", "write")]).Value);
        Assert.Equal(1, scrape.Single("userdisk_lun_commands_total", [.. lun, ("op", "other")]).Value);
        Assert.Equal(512, scrape.Single("userdisk_lun_bytes_total", [.. lun, ("op", "read")]).Value);
        Assert.Equal(1024, scrape.Single("userdisk_lun_bytes_total", [.. lun, ("op", "write")]).Value);
        Assert.Equal(0, scrape.Single("userdisk_lun_backstore_errors_total", lun).Value);
        Assert.Equal(1 << 20, scrape.Single("userdisk_lun_capacity_bytes", lun).Value);
    }

    [Fact]
    public async Task Check_conditions_are_counted_by_sense_key()
    {
        await RunAsync([0x28, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 1, 0], DataDirection.Read, new byte[512]); // READ(10) past the end

        PrometheusScrape scrape = PrometheusScrape.Parse(_exporter.Scrape());

        Assert.Equal("counter", scrape.Types["userdisk_lun_check_conditions_total"]);
        Assert.Equal(1, scrape.Single("userdisk_lun_check_conditions_total", ("lun", "3"), ("sense_key", "illegal_request")).Value);
        Assert.Equal(0, scrape.Single("userdisk_lun_check_conditions_total", ("lun", "3"), ("sense_key", "medium_error")).Value);
    }

    [Fact]
    public void Withdrawn_luns_vanish_from_the_metrics()
    {
        _catalog.Withdraw();

        Assert.DoesNotContain("userdisk_lun_commands_total{", _exporter.Scrape(), StringComparison.Ordinal);
    }

    private async Task RunAsync(byte[] cdb, DataDirection direction, byte[] data)
    {
        var command = new ScsiCommand
        {
            Nexus = new ItNexus("iqn.2026-11.io.userdisk:initiator", "iqn.2026-11.io.userdisk:metrics"),
            Direction = direction,
            Data = data,
            ExpectedTransferLength = data.Length,
        };
        command.SetCdb(cdb);
        await _unit.ExecuteAsync(command, TestContext.Current.CancellationToken);
    }
}
