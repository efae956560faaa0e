using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging.Abstractions;
using UserDisk.Platform.Attach;
using UserDisk.Scst;
using UserDisk.Scst.Interop;

namespace UserDisk.Platform.Tests;

/// <summary>
/// The platform loop with the handler in a process of its own, as in production: this test process is the kernel
/// (the scst_user emulator, serving other processes over a socket, and the modelled sysfs that follows its device
/// registrations) and the agent; <c>userdisk serve --frontend scst</c> runs as a child and reaches the emulator through
/// libuserdisk_emuclient.so. The child registers its device → the event reaches the agent → the agent adds the LUN →
/// ATTACH_SESS goes to the child → I/O. Then the child is killed with SIGKILL: the kernel notices the dead process,
/// its device and LUN vanish; started again, it gets the same LUN number back and the data written before the kill.
/// </summary>
public sealed class HandlerProcessTests : IDisposable
{
    private const string Initiator = "iqn.2026-11.test:host";

    private readonly AgentHarness _harness = new();
    private readonly ScstEmulator _emulator = ScstEmulator.Load(NativeFile("libuserdisk_shim.so"));
    private readonly ConcurrentDictionary<string, ulong> _sessions = new();
    private static readonly string Suffix = $"{Environment.ProcessId % 10000}x{Random.Shared.Next(10000)}";
    private readonly string _name = "disk-proc" + Suffix; // the policy's rule takes disk*
    private readonly string _socket;
    private readonly List<Process> _handlers = [];

    public HandlerProcessTests()
    {
        _socket = _harness.Directory.File("scst_user.sock");
        _emulator.SetDeviceHooks(_harness.Model.RegisterDevice, _harness.Model.UnregisterDevice);
        // A LUN add in the kernel attaches every session of the target; this model has one initiator session.
        _harness.Model.OnLunAdded = (_, target, _, lun, device) =>
        {
            if (_emulator.Attach(device, (ulong)lun, Initiator, target, false, 5000, out ulong session) == 0)
            {
                _sessions[device] = session;
            }
        };
        Assert.Equal(0, _emulator.Listen(_socket));
    }

    public void Dispose()
    {
        foreach (Process handler in _handlers)
        {
            if (!handler.HasExited)
            {
                handler.Kill();
                handler.WaitForExit();
            }

            handler.Dispose();
        }

        _emulator.ListenStop();
        _emulator.SetDeviceHooks(null, null);
        _harness.Dispose();
    }

    [Fact]
    public async Task A_handler_killed_with_SIGKILL_loses_its_lun_and_gets_the_same_lun_and_data_back_when_it_restarts()
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var manager = _harness.Manager(AgentHarness.IscsiAuto());
        await manager.StartupAsync(cancel.Token);
        using var reader = new ScstEventReader(_emulator.Calls, NullLogger.Instance);
        reader.Open();
        var agent = new AttachAgent(manager, [Names(reader, cancel.Token)], TimeSpan.FromMinutes(5), NullLogger<AttachAgent>.Instance);
        var running = agent.RunAsync(cancel.Token);
        string image = _harness.Directory.File("disk.img");

        Process first = StartHandler(image);
        ulong session = await WaitForSession(first);
        await WaitFor(() => agent.Handled >= 1, "the agent handled the registration");
        Assert.Equal(0, Assert.Single(_harness.Model.Luns("iscsi", AgentHarness.Iqn)).Key);
        Assert.True(agent.LastAttachLatency < TimeSpan.FromSeconds(1), $"registration to LUN added took {agent.LastAttachLatency}");
        TestContext.Current.SendDiagnosticMessage($"handler process: registration to LUN added {agent.LastAttachLatency!.Value.TotalMilliseconds:0.0} ms");
        byte[] written = EmulatedIo.Write(_emulator, session, lba: 64, fill: 0xC3);
        Assert.Equal(written, EmulatedIo.Read(_emulator, session, lba: 64));

        // SIGKILL: no close, no unregister from the handler. The kernel closes the dead process's files (§8.10).
        first.Kill();
        await first.WaitForExitAsync(cancel.Token);
        await WaitFor(() => _harness.Model.Luns("iscsi", AgentHarness.Iqn).Count == 0, "the killed handler's LUN vanished");
        Assert.Equal(0u, _emulator.Stats(_name)!.Raw.Registered);
        Assert.False(_harness.Model.Exists($"devices/{_name}"));
        Assert.Equal(-19, _emulator.Attach(_name, 0, Initiator, AgentHarness.Iqn, false, 1000, out _)); // ENODEV
        _sessions.Clear();

        Process second = StartHandler(image);
        session = await WaitForSession(second);
        await WaitFor(() => agent.Handled >= 2, "the agent handled the second registration");
        Assert.Equal(0, Assert.Single(_harness.Model.Luns("iscsi", AgentHarness.Iqn)).Key);
        Assert.True(agent.LastAttachLatency < TimeSpan.FromSeconds(1), $"re-registration to LUN added took {agent.LastAttachLatency}");
        TestContext.Current.SendDiagnosticMessage($"restarted handler process: registration to LUN added {agent.LastAttachLatency!.Value.TotalMilliseconds:0.0} ms");
        Assert.Equal(written, EmulatedIo.Read(_emulator, session, lba: 64)); // acknowledged before the kill, so it is in the file
        byte[] again = EmulatedIo.Write(_emulator, session, lba: 128, fill: 0x3C);
        Assert.Equal(again, EmulatedIo.Read(_emulator, session, lba: 128));

        Assert.Equal(2, _harness.LunAdds.Count); // one per registration, nothing twice
        Assert.Empty(_emulator.HookErrors);
        await cancel.CancelAsync();
        await running;
    }

    private Process StartHandler(string image)
    {
        var start = new ProcessStartInfo(ServerBinary(), ["serve", "--frontend", "scst"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var settings = new Dictionary<string, string>
        {
            ["USERDISK_EMU_SOCKET"] = _socket,
            ["USERDISK__SCST__EMULATOR"] = NativeFile("libuserdisk_emuclient.so"),
            ["USERDISK__SCST__WORKERTHREADS"] = "1",
            ["USERDISK__HTTP"] = $"127.0.0.1:{FreePort()}",
            ["USERDISK__DATADIR"] = _harness.Directory.File("data"),
            ["USERDISK__SHUTDOWNTIMEOUT"] = "5",
            ["USERDISK__TARGETS__0__NAME"] = "iqn.2026-11.io.userdisk:handler",
            ["USERDISK__TARGETS__0__LUNS__0__NUMBER"] = "0",
            ["USERDISK__TARGETS__0__LUNS__0__DEVICE"] = _name,
            ["USERDISK__TARGETS__0__LUNS__0__BACKSTORE"] = $"file:{image}?size=16M&create",
            // appsettings.json's second LUN comes along; a unique name keeps it apart from other tests' devices
            ["USERDISK__TARGETS__0__LUNS__1__DEVICE"] = "ro-proc" + Suffix,
        };
        foreach ((string key, string value) in settings)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start)!;
        _handlers.Add(process);
        var log = new ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) => Keep(log, e.Data);
        process.ErrorDataReceived += (_, e) => Keep(log, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _logs[process.Id] = log;
        return process;
    }

    private readonly ConcurrentDictionary<int, ConcurrentQueue<string>> _logs = new();

    private static void Keep(ConcurrentQueue<string> log, string? line)
    {
        if (line is not null)
        {
            log.Enqueue(line);
        }
    }

    private async Task<ulong> WaitForSession(Process handler)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        ulong session;
        while (!_sessions.TryGetValue(_name, out session))
        {
            if (handler.HasExited || DateTime.UtcNow > deadline)
            {
                string log = string.Join('\n', _logs[handler.Id].TakeLast(30));
                string luns = string.Join(", ", _harness.Model.Luns("iscsi", AgentHarness.Iqn).Select(l => $"{l.Key}={l.Value}"));
                Assert.Fail($"no session was attached to {_name} (handler {(handler.HasExited ? $"exited {handler.ExitCode}" : "running")}; "
                    + $"emulator: {_emulator.Stats(_name)?.ToString() ?? "never saw the device"}; LUNs: [{luns}]; devices: [{string.Join(", ", _harness.Model.List("devices"))}]; "
                    + $"hook errors: [{string.Join("; ", _emulator.HookErrors.Select(e => e.Message))}]); its log:\n{log}");
            }

            await Task.Delay(5, TestContext.Current.CancellationToken);
        }

        return session;
    }

    private static async Task WaitFor(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"in time: {what}");
            await Task.Delay(5, TestContext.Current.CancellationToken);
        }
    }

    private static async IAsyncEnumerable<string> Names(ScstEventReader reader, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var registration in reader.Registrations.ReadAllAsync(cancellationToken))
        {
            yield return registration.DeviceName;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "UserDisk.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("no UserDisk.sln above the test binaries");
    }

    private static string NativeFile(string name)
    {
        string path = Path.Combine(RepositoryRoot(), "native-shim", "build", name);
        Assert.True(File.Exists(path), $"{path} is missing: run `make native`");
        return path;
    }

    // The server of the same configuration as these tests (bin/<Configuration>/net10.0), built with them through the
    // project reference.
    private static string ServerBinary()
    {
        string configuration = Path.GetFileName(Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)))!;
        string path = Path.Combine(RepositoryRoot(), "src", "UserDisk.Server", "bin", configuration, "net10.0", "userdisk");
        Assert.True(File.Exists(path), $"{path} is missing: build UserDisk.Server ({configuration})");
        return path;
    }
}
