using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging.Abstractions;
using UserDisk.Platform.Attach;
using UserDisk.Scsi;
using UserDisk.Scst;
using UserDisk.Scst.Interop;
using UserDisk.Storage;

namespace UserDisk.Platform.Tests;

/// <summary>
/// The platform loop end to end, in one process: a handler registers a device through the scst_user emulator →
/// the emulator emits SCST_EVENT_REG_VIRT_DEV → the agent's event reader sees it → the attach manager adds the LUN
/// through the modelled sysfs → the model sends ATTACH_SESS through the emulator → the handler serves I/O on that
/// session. Then the handler dies (its fd closes: device and LUNs vanish as in the kernel) and comes back: the same
/// LUN number returns, and I/O flows again.
/// </summary>
public sealed class EndToEndTests : IDisposable
{
    private const string Initiator = "iqn.2026-11.test:host";

    private readonly AgentHarness _harness = new();
    private readonly ScstEmulator _emulator = ScstEmulator.Load(ShimPath());
    private readonly ConcurrentDictionary<string, ulong> _sessions = new();
    private readonly string _name = $"disk-e2e{Environment.ProcessId % 10000}{Random.Shared.Next(10000)}";

    public EndToEndTests()
    {
        // A LUN add in the kernel attaches every session of the target; this model has one initiator session.
        _harness.Model.OnLunAdded = (_, target, _, lun, device) =>
        {
            if (_emulator.Attach(device, (ulong)lun, Initiator, target, false, 5000, out ulong session) == 0)
            {
                _sessions[device] = session;
            }
        };
    }

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task A_registration_gets_its_lun_and_io_and_a_restarted_handler_gets_the_same_lun_back()
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var manager = _harness.Manager(AgentHarness.IscsiAuto());
        using var reader = new ScstEventReader(_emulator.Calls, NullLogger.Instance);
        reader.Open();
        var agent = new AttachAgent(manager, [Names(reader, cancel.Token)], TimeSpan.FromMinutes(5), NullLogger<AttachAgent>.Instance);
        var running = agent.RunAsync(cancel.Token);
        using var store = new MemoryBackstore(_name, 8L << 20);
        var unit = new LogicalUnit(store, new LogicalUnitOptions { ReservationsByEngine = false, UnitAttentionsByEngine = false });

        var first = Serve(unit);
        ulong session = await WaitForSession();
        await WaitFor(() => agent.Handled >= 1);
        Assert.Equal(_name, Assert.Single(_harness.Model.Luns("iscsi", AgentHarness.Iqn)).Value);
        Assert.Equal(0, _harness.Model.Luns("iscsi", AgentHarness.Iqn).Keys.Single());
        Assert.True(agent.LastAttachLatency < TimeSpan.FromSeconds(1), $"registration to LUN added took {agent.LastAttachLatency}");
        TestContext.Current.SendDiagnosticMessage($"registration to LUN added: {agent.LastAttachLatency!.Value.TotalMilliseconds:0.0} ms");
        WriteThenRead(session, 0xA5);

        // The handler dies: closing its fd unregisters the device, and the kernel deletes its LUNs.
        await first.DisposeAsync();
        _harness.Model.UnregisterDevice(_name);
        _sessions.Clear();
        Assert.Empty(_harness.Model.Luns("iscsi", AgentHarness.Iqn));

        var second = Serve(unit);
        session = await WaitForSession();
        await WaitFor(() => agent.Handled >= 2);
        Assert.Equal(0, _harness.Model.Luns("iscsi", AgentHarness.Iqn).Keys.Single());
        Assert.True(agent.LastAttachLatency < TimeSpan.FromSeconds(1), $"re-registration to LUN added took {agent.LastAttachLatency}");
        TestContext.Current.SendDiagnosticMessage($"re-registration to LUN added: {agent.LastAttachLatency!.Value.TotalMilliseconds:0.0} ms");
        WriteThenRead(session, 0x5A);

        await second.DisposeAsync();
        await cancel.CancelAsync();
        await running;
        Assert.Equal(0ul, _emulator.Stats(_name)!.Violations);
    }

    [Fact]
    public async Task An_agent_restarted_while_the_handler_runs_finds_the_device_by_scan_and_adds_nothing_twice()
    {
        using var store = new MemoryBackstore(_name, 8L << 20);
        var unit = new LogicalUnit(store, new LogicalUnitOptions { ReservationsByEngine = false, UnitAttentionsByEngine = false });
        var device = Serve(unit);
        try
        {
            // No agent yet: the registration event is lost, as events are not persisted.
            Assert.Empty(_harness.Model.Luns("iscsi", AgentHarness.Iqn));
            for (int run = 0; run < 2; run++)
            {
                var manager = _harness.Manager(AgentHarness.IscsiAuto());
                await manager.StartupAsync(TestContext.Current.CancellationToken);
                Assert.Equal(_name, Assert.Single(_harness.Model.Luns("iscsi", AgentHarness.Iqn)).Value);
            }

            Assert.Single(_harness.LunAdds);
            WriteThenRead(await WaitForSession(), 0x11);
        }
        finally
        {
            await device.DisposeAsync();
        }
    }

    private ScstUserDevice Serve(LogicalUnit unit)
    {
        // The kernel makes the device visible in sysfs before it queues the registration event.
        _harness.Model.RegisterDevice(_name);
        var device = new ScstUserDevice(new ScstDeviceOptions { Name = _name, WorkerThreads = 1 }, unit, _emulator.Calls, NullLogger.Instance);
        device.Register(_emulator.Version);
        device.Start();
        return device;
    }

    private static async Task WaitFor(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met in time");
            await Task.Delay(5, TestContext.Current.CancellationToken);
        }
    }

    private async Task<ulong> WaitForSession()
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        ulong session;
        while (!_sessions.TryGetValue(_name, out session))
        {
            Assert.True(DateTime.UtcNow < deadline, "no session was attached to the device");
            await Task.Delay(5, TestContext.Current.CancellationToken);
        }

        return session;
    }

    private void WriteThenRead(ulong session, byte fill) =>
        Assert.Equal(EmulatedIo.Write(_emulator, session, lba: 8, fill), EmulatedIo.Read(_emulator, session, lba: 8));

    private static async IAsyncEnumerable<string> Names(ScstEventReader reader, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var registration in reader.Registrations.ReadAllAsync(cancellationToken))
        {
            yield return registration.DeviceName;
        }
    }

    private static string ShimPath()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "UserDisk.sln")))
            {
                string shim = Path.Combine(dir.FullName, "native-shim", "build", "libuserdisk_shim.so");
                Assert.True(File.Exists(shim), $"{shim} is missing: run `make native`");
                return shim;
            }
        }

        throw new InvalidOperationException("no UserDisk.sln above the test binaries");
    }
}
