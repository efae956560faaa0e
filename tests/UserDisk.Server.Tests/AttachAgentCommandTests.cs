using Microsoft.AspNetCore.Builder;
using UserDisk.Server.Agent;
using UserDisk.Server.Cli;

namespace UserDisk.Server.Tests;

/// <summary>
/// <c>userdisk attach-agent</c> on a real directory laid out like /sys/kernel/scst_tgt (the writes are plain file
/// writes here; the kernel's semantics are covered by the platform tests' model): configuration errors name the key,
/// start-up enables the target and adds the LUN of a device already registered, /status reports it.
/// </summary>
public sealed class AttachAgentCommandTests : ServeTestBase
{
    private const string Iqn = "iqn.2026-11.io.example:fc-gateway";

    private readonly string _sysfs;

    public AttachAgentCommandTests()
    {
        _sysfs = Path.Combine(Data.Path, "scst_tgt");
        System.IO.Directory.CreateDirectory(Path.Combine(_sysfs, "handlers", "boot-1"));
        System.IO.Directory.CreateDirectory(Path.Combine(_sysfs, "devices", "boot-1"));
        File.WriteAllText(Path.Combine(_sysfs, "devices", "boot-1", "commands"), "");
        File.CreateSymbolicLink(Path.Combine(_sysfs, "devices", "boot-1", "handler"), "../../handlers/boot-1");
        System.IO.Directory.CreateDirectory(Path.Combine(_sysfs, "targets", "iscsi", Iqn, "luns"));
        File.WriteAllText(Path.Combine(_sysfs, "targets", "iscsi", "enabled"), "0\n");
        File.WriteAllText(Path.Combine(_sysfs, "targets", "iscsi", Iqn, "enabled"), "0\n");
        File.WriteAllText(Path.Combine(_sysfs, "targets", "iscsi", Iqn, "luns", "mgmt"), "");
        File.WriteAllText(Path.Combine(_sysfs, "last_sysfs_mgmt_res"), "0\n");
        Settings["USERDISK__AGENT__SYSFSROOT"] = _sysfs;
        Settings["USERDISK__AGENT__EVENTDEVICE"] = "";
        Settings["USERDISK__AGENT__STATEFILE"] = Path.Combine(Data.Path, "agent-state.json");
        Settings["USERDISK__AGENT__HTTP"] = "127.0.0.1:0";
        Settings["USERDISK__AGENT__TARGETS__0__DRIVER"] = "iscsi";
        Settings["USERDISK__AGENT__TARGETS__0__TARGET"] = Iqn;
        Settings["USERDISK__AGENT__RULES__0__DEVICEPATTERN"] = "boot-*";
        Settings["USERDISK__AGENT__RULES__0__DRIVER"] = "iscsi";
        Settings["USERDISK__AGENT__RULES__0__TARGET"] = Iqn;
        Settings["USERDISK__AGENT__RULES__0__READONLY"] = "true";
    }

    [Fact]
    public async Task Start_up_enables_the_target_and_adds_the_lun_of_a_registered_device()
    {
        (WebApplication? app, int exitCode) = new AgentRunner(Context()).Prepare(configFile: null);
        Assert.True(app is not null, $"exit code {exitCode}: {Error}");
        await using (app)
        {
            await app.StartAsync(TestContext.Current.CancellationToken);
            string mgmt = Path.Combine(_sysfs, "targets", "iscsi", Iqn, "luns", "mgmt");
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (!File.ReadAllText(mgmt).Contains("add boot-1 0", StringComparison.Ordinal))
            {
                Assert.True(DateTime.UtcNow < deadline, $"no LUN add; mgmt holds '{File.ReadAllText(mgmt)}'");
                await Task.Delay(20, TestContext.Current.CancellationToken);
            }

            Assert.Contains("read_only=1", File.ReadAllText(mgmt), StringComparison.Ordinal);
            Assert.StartsWith("1", File.ReadAllText(Path.Combine(_sysfs, "targets", "iscsi", Iqn, "enabled")), StringComparison.Ordinal);
            using var http = new HttpClient { BaseAddress = new Uri(Assert.Single(app.Urls)) };
            string status = await http.GetStringAsync(new Uri("/status", UriKind.Relative), TestContext.Current.CancellationToken);
            Assert.Contains("boot-1", status, StringComparison.Ordinal);

            int statusExit = await new StatusRunner(Context()).RunAsync(new Uri(new Uri(Assert.Single(app.Urls)), "/status"), json: false, TestContext.Current.CancellationToken);
            Assert.Equal(ExitCodes.Success, statusExit);
            string table = Out.Text;
            Assert.Contains("boot-1", table, StringComparison.Ordinal);
            Assert.Contains("Attached", table, StringComparison.Ordinal);
            Assert.Contains($"iscsi/{Iqn}", table, StringComparison.Ordinal);
            await app.StopAsync(TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public void A_bad_rule_is_refused_naming_the_key()
    {
        Settings["USERDISK__AGENT__RULES__0__LUN"] = "seven";

        (WebApplication? app, int exitCode) = new AgentRunner(Context()).Prepare(configFile: null);

        Assert.Null(app);
        Assert.Equal(ExitCodes.Usage, exitCode);
        Assert.Contains("UserDisk:Agent:Rules[0].Lun", Error.ToString(), StringComparison.Ordinal);
    }
}
