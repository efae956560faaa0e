using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using UserDisk.Scsi;
using UserDisk.Scst;
using UserDisk.Scst.Interop;
using UserDisk.Storage;

namespace UserDisk.Bench;

/// <summary>
/// Commands per second through the real scst_user front end (workers, buffers, engine) driven by native-shim's
/// kernel emulator with its closed-loop load generator: null and memory backstores, 4 KiB and 128 KiB, 1 and 2
/// worker threads. The emulator's own cost (a C handler that answers GOOD at once) is printed first by emu-bench,
/// so the difference is what UserDisk costs. Not a BenchmarkDotNet job: a closed loop with a queue depth is a
/// throughput measurement, not a per-call one.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal static class ScstEmulatorThroughput
{
    public static unsafe int Run(string[] args)
    {
        bool quick = args.Contains("--quick");
        string root = FindRoot();
        string shim = Path.Combine(root, "native-shim", "build", "libuserdisk_shim.so");
        string emuBench = Path.Combine(root, "native-shim", "build", "emu-bench");
        if (!File.Exists(shim))
        {
            Console.Error.WriteLine($"{shim} is missing: run `make native`");
            return 2;
        }

        Console.WriteLine($"# scst_user front end through the emulator ({Environment.ProcessorCount} cores, .NET {Environment.Version})");
        if (File.Exists(emuBench))
        {
            Console.WriteLine("## emulator alone (C handler answering GOOD at once): native-shim/build/emu-bench");
            using var process = Process.Start(new ProcessStartInfo(emuBench) { RedirectStandardOutput = true })!;
            Console.Write(process.StandardOutput.ReadToEnd());
            process.WaitForExit();
        }

        var emulator = ScstEmulator.Load(shim);
        // Let tiered compilation settle on the hot path before anything is measured.
        _ = Measure(emulator, "null", 4096, write: false, workers: 1, total: quick ? 300_000ul : 1_000_000ul);
        _ = Measure(emulator, "null", 4096, write: true, workers: 2, total: quick ? 300_000ul : 1_000_000ul);
        Console.WriteLine("## UserDisk (ScstUserDevice + engine), queue depth 32, random LBAs");
        Console.WriteLine("| backstore | op | size | workers | commands | commands/s | MiB/s | not GOOD |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|");
        foreach (string store in new[] { "null", "memory" })
        {
            foreach (int size in new[] { 4096, 128 * 1024 })
            {
                foreach (bool write in new[] { false, true })
                {
                    foreach (int workers in new[] { 1, 2 })
                    {
                        ulong total = (ulong)(size == 4096 ? (quick ? 100_000 : 1_000_000) : (quick ? 20_000 : 100_000));
                        var (rate, notGood) = Measure(emulator, store, size, write, workers, total);
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"| {store} | {(write ? "write" : "read")} | {size / 1024} KiB | {workers} | {total} | {rate:N0} | {rate * size / (1 << 20):N0} | {notGood} |"));
                    }
                }
            }
        }

        return 0;
    }

    private static unsafe (double Rate, ulong NotGood) Measure(ScstEmulator emulator, string store, int size, bool write, int workers, ulong total)
    {
        const long span = 256L << 20;
        string name = $"bench{Environment.ProcessId % 10000}{store}{size}{(write ? 'w' : 'r')}{workers}";
        IBackstore backstore = store == "null" ? new NullBackstore(name, span, 512) : new MemoryBackstore(name, span, 512);
        var unit = new LogicalUnit(backstore, new LogicalUnitOptions { ReservationsByEngine = false, UnitAttentionsByEngine = false });
        var device = new ScstUserDevice(new ScstDeviceOptions { Name = name, WorkerThreads = workers }, unit, emulator.Calls, NullLogger.Instance);
        device.Register(emulator.Version);
        device.Start();
        try
        {
            if (emulator.Attach(name, 0, "iqn.2026-11.bench:initiator", "iqn.2026-11.bench:target", false, 5000, out ulong session) != 0)
            {
                throw new InvalidOperationException("attach failed");
            }

            // LBAs in the first half, so no command runs past the end; the warm-up touches the memory store's chunks.
            var warm = ScstEmulatorLoad.ReadWrite10(session, write, size, 32, Math.Max(total / 5, 20_000), span / 2);
            RunLoad(emulator, &warm);
            var load = ScstEmulatorLoad.ReadWrite10(session, write, size, 32, total, span / 2);
            RunLoad(emulator, &load);
            var stats = emulator.Stats(name);
            if (stats is { Violations: > 0 })
            {
                throw new InvalidOperationException($"protocol violations: {stats}");
            }

            return (load.Completed / (load.ElapsedNanoseconds / 1e9), load.NotGood);
        }
        finally
        {
            device.DisposeAsync().AsTask().GetAwaiter().GetResult();
            backstore.Dispose();
        }
    }

    private static unsafe void RunLoad(ScstEmulator emulator, ScstEmulatorLoad* load)
    {
        long id = emulator.LoadStart(load);
        if (id <= 0 || emulator.LoadWait(id, 600_000) != 0)
        {
            throw new InvalidOperationException($"load failed ({id})");
        }
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "UserDisk.sln")))
            {
                return dir.FullName;
            }
        }

        return Directory.GetCurrentDirectory();
    }
}
