using System.Diagnostics;

namespace UserDisk.Deployment.Tests;

/// <summary>The systemd units for a plain SCST host.</summary>
public sealed class SystemdUnitTests
{
    private const string AgentUnit = "userdisk-attach-agent.service";
    private const string HandlerUnit = "userdisk.service";
    private const string Executable = "/usr/local/bin/userdisk";

    public static TheoryData<string> Units => [AgentUnit, HandlerUnit];

    [Theory]
    [MemberData(nameof(Units))]
    public void Unit_has_a_description_a_restart_policy_and_an_install_target(string name)
    {
        SystemdUnit unit = Load(name);
        Assert.False(string.IsNullOrWhiteSpace(unit.Value("Unit", "Description")));
        Assert.Equal("on-failure", unit.Value("Service", "Restart"));
        Assert.Equal("multi-user.target", unit.Value("Install", "WantedBy"));
        Assert.StartsWith(Executable + " ", unit.Value("Service", "ExecStart"), StringComparison.Ordinal);
        // UserDisk sends READY=1 itself (SystemdNotifier): notify, with no polling around it.
        Assert.Equal("notify", unit.Value("Service", "Type"));
        Assert.Equal("main", unit.Value("Service", "NotifyAccess"));
        Assert.Null(unit.Value("Service", "ExecStartPost"));
        Assert.NotNull(unit.Value("Service", "TimeoutStartSec"));
        Assert.Equal("2", unit.Value("Service", "RestartPreventExitStatus"));
    }

    [Fact]
    public void The_agent_unit_runs_attach_agent()
    {
        SystemdUnit unit = Load(AgentUnit);
        Assert.Equal(Executable + " attach-agent --config /etc/userdisk/agent.json", unit.Value("Service", "ExecStart"));
    }

    [Fact]
    public void The_agent_unit_is_hardened_but_may_write_scst_sysfs_and_its_state_and_read_the_event_device()
    {
        SystemdUnit unit = Load(AgentUnit);
        Assert.Equal("strict", unit.Value("Service", "ProtectSystem"));
        Assert.Contains("/sys/kernel/scst_tgt", unit.Values("Service", "ReadWritePaths").SelectMany(v => v.Split(' ')));
        Assert.Equal("userdisk", unit.Value("Service", "StateDirectory"));
        Assert.Contains("/dev/scst_event rw", unit.Values("Service", "DeviceAllow"));
        Assert.Equal("yes", unit.Value("Service", "NoNewPrivileges"));
        Assert.Equal("yes", unit.Value("Service", "PrivateTmp"));
        // PrivateDevices would hide /dev/scst_event.
        Assert.NotEqual("yes", unit.Value("Service", "PrivateDevices"));
    }

    [Fact]
    public void The_handler_unit_serves_through_scst_as_its_own_user()
    {
        SystemdUnit unit = Load(HandlerUnit);
        Assert.Equal(Executable + " serve --frontend scst --config /etc/userdisk/userdisk.json", unit.Value("Service", "ExecStart"));
        Assert.Equal("userdisk", unit.Value("Service", "User"));
        Assert.Equal("scst-user", unit.Value("Service", "SupplementaryGroups"));
        Assert.Contains("/dev/scst_user rw", unit.Values("Service", "DeviceAllow"));
        Assert.True(double.Parse(unit.Value("Service", "TimeoutStopSec")!, System.Globalization.CultureInfo.InvariantCulture) > 70, "stop timeout covers ShutdownTimeout + the 60 s flush allowance");
    }

    [Theory]
    [MemberData(nameof(Units))]
    public async Task Systemd_analyze_verify_accepts_the_unit(string name)
    {
        string? analyze = new[] { "/usr/bin/systemd-analyze", "/bin/systemd-analyze" }.FirstOrDefault(File.Exists);
        if (analyze is null)
        {
            Assert.Skip("systemd-analyze is not installed (package systemd)");
        }

        // verify checks that ExecStart's program exists; the binary is not installed here, so the copy points at a stub.
        using var temp = new TempDirectory();
        string stub = Path.Combine(temp.Path, "userdisk");
        File.WriteAllText(stub, "#!/bin/sh\nexit 0\n");
        File.SetUnixFileMode(stub, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        string unitPath = Path.Combine(temp.Path, name);
        File.WriteAllText(unitPath, File.ReadAllText(Path.Combine(RepositoryPaths.Systemd, name)).Replace(Executable, stub, StringComparison.Ordinal));

        var start = new ProcessStartInfo(analyze)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("verify");
        start.ArgumentList.Add(unitPath);
        start.Environment["SYSTEMD_LOG_COLOR"] = "0";
        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        Task<string> error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        string messages = await output + await error;
        Assert.True(process.ExitCode == 0, $"systemd-analyze verify {name} exited {process.ExitCode}: {messages}");
        Assert.DoesNotContain(name, messages, StringComparison.Ordinal);
    }

    private static SystemdUnit Load(string name) => SystemdUnit.Load(Path.Combine(RepositoryPaths.Systemd, name));
}
