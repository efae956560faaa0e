using System.Diagnostics;
using System.Net;
using UserDisk.Scsi;
using UserDisk.Storage;

namespace UserDisk.Iscsi.Tests;

[CollectionDefinition(nameof(SteadyStateAllocationTests), DisableParallelization = true)]
public sealed class SteadyStateAllocationCollection;

/// <summary>
/// The iSCSI data path allocates nothing per command once warm (STYLE.md). The initiator is libiscsi's iscsi-perf
/// in its own process, so every byte counted here is the target's; the test runs alone in this process.
/// </summary>
[Collection(nameof(SteadyStateAllocationTests))]
public sealed class SteadyStateAllocationTests
{
    [Fact]
    public async Task Four_kib_reads_at_queue_depth_32_allocate_nothing_per_command_once_warm()
    {
        var iscsiPerf = new[] { "/usr/bin/iscsi-perf", "/usr/local/bin/iscsi-perf" }.FirstOrDefault(File.Exists);
        if (iscsiPerf is null)
        {
            // make test installs libiscsi-bin (scripts/install-peers.sh); only a developer machine may lack it.
            Assert.False(Environment.GetEnvironmentVariable("CI") == "true", "iscsi-perf (libiscsi-bin) is not installed");
            Assert.Skip("iscsi-perf (libiscsi-bin) is not installed; run scripts/install-peers.sh");
        }

        using var backstore = new MemoryBackstore("alloc", 16L << 20);
        var unit = new LogicalUnit(backstore, new LogicalUnitOptions { PowerOnUnitAttention = false });
        const string Name = "iqn.2026-11.io.userdisk.test:alloc";
        await using var server = new IscsiServer([new IscsiTargetOptions { Name = Name, Portal = new IPEndPoint(IPAddress.Loopback, 0), Luns = [new IscsiLun(0, unit)] }]);
        var ct = TestContext.Current.CancellationToken;
        await server.StartAsync(ct);
        var url = $"iscsi://127.0.0.1:{server.LocalEndpoints[0].Port}/{Name}/0";

        // Fill the memory LUN first so its chunks exist (first writes allocate them by design).
        var fill = new byte[1 << 20];
        for (var offset = 0L; offset < backstore.Length; offset += fill.Length)
        {
            await backstore.WriteAsync(offset, fill, forceUnitAccess: false, ct);
        }

        using var perf = Process.Start(new ProcessStartInfo(iscsiPerf, ["-m", "32", "-b", "8", "-r", "-t", "6", url])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var drain = Task.WhenAll(perf.StandardOutput.ReadToEndAsync(ct), perf.StandardError.ReadToEndAsync(ct));

        // Warm up for 2 s (JIT, pools, the session), then measure 3 s of steady state.
        await Task.Delay(2000, ct);
        var commandsBefore = unit.Counters.ReadCommands;
        var bytesBefore = GC.GetTotalAllocatedBytes(precise: true);
        await Task.Delay(3000, ct);
        var bytes = GC.GetTotalAllocatedBytes(precise: true) - bytesBefore;
        var commands = unit.Counters.ReadCommands - commandsBefore;
        await perf.WaitForExitAsync(ct);
        await drain;

        Assert.True(commands > 10_000, $"iscsi-perf ran only {commands} commands");

        // Timers and the runner allocate a few hundred bytes per second whatever we do; a per-command allocation
        // would be tens of bytes per command.
        Assert.True(bytes < commands / 4, $"{bytes} bytes allocated over {commands} commands ({(double)bytes / commands:F2} B/command)");
    }
}
