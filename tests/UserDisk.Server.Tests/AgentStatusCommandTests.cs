using System.Collections;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using UserDisk.Server.Agent;
using UserDisk.Server.Cli;

namespace UserDisk.Server.Tests;

/// <summary>
/// <c>userdisk attach-agent</c> and <c>userdisk status</c> as the commands build them, on a real directory laid out
/// like /sys/kernel/scst_tgt with an initiator logged in: /status and both outputs of <c>status</c> carry the
/// sessions, the agent keeps the scst.conf snapshot, and a bad <c>ConfigSnapshot</c> is refused naming the key.
/// (The management writes are plain file writes here; the platform tests' SysfsModel covers the kernel's semantics.)
/// </summary>
public sealed class AgentStatusCommandTests : IDisposable
{
    private const string Iqn = "iqn.2026-11.io.example:gateway";
    private const string Host1 = "iqn.1994-05.com.redhat:host1";

    private readonly string _dataPath = Directory.CreateTempSubdirectory("userdisk-agent-status-").FullName;
    private readonly StringWriter _out = new();
    private readonly StringWriter _error = new();
    private readonly Hashtable _settings = [];
    private readonly string _sysfs;

    public AgentStatusCommandTests()
    {
        _sysfs = DataFile("scst_tgt");
        string target = Path.Join(_sysfs, "targets", "iscsi", Iqn);
        string session = Path.Join(target, "sessions", Host1);
        Directory.CreateDirectory(Path.Join(_sysfs, "handlers", "boot-1"));
        Directory.CreateDirectory(Path.Join(_sysfs, "devices", "boot-1"));
        File.WriteAllText(Path.Join(_sysfs, "devices", "boot-1", "commands"), "");
        File.CreateSymbolicLink(Path.Join(_sysfs, "devices", "boot-1", "handler"), "../../handlers/boot-1");
        Directory.CreateDirectory(Path.Join(target, "luns"));
        File.WriteAllText(Path.Join(_sysfs, "targets", "iscsi", "enabled"), "0\n");
        File.WriteAllText(Path.Join(target, "enabled"), "0\n");
        File.WriteAllText(Path.Join(target, "luns", "mgmt"), "");
        File.WriteAllText(Path.Join(_sysfs, "last_sysfs_mgmt_res"), "0\n");
        Directory.CreateDirectory(Path.Join(session, "lun0"));
        File.WriteAllText(Path.Join(session, "initiator_name"), Host1 + "\n");
        File.WriteAllText(Path.Join(session, "active_commands"), "3\n");
        File.WriteAllText(Path.Join(session, "commands"), "5\n");
        File.CreateSymbolicLink(Path.Join(session, "luns"), "../../luns");

        _settings["USERDISK__AGENT__SYSFSROOT"] = _sysfs;
        _settings["USERDISK__AGENT__EVENTDEVICE"] = "";
        _settings["USERDISK__AGENT__STATEFILE"] = DataFile("agent-state.json");
        _settings["USERDISK__AGENT__HTTP"] = "127.0.0.1:0";
        _settings["USERDISK__AGENT__TARGETS__0__DRIVER"] = "iscsi";
        _settings["USERDISK__AGENT__TARGETS__0__TARGET"] = Iqn;
        _settings["USERDISK__AGENT__RULES__0__DEVICEPATTERN"] = "boot-*";
        _settings["USERDISK__AGENT__RULES__0__DRIVER"] = "iscsi";
        _settings["USERDISK__AGENT__RULES__0__TARGET"] = Iqn;
        _settings["USERDISK__AGENT__RULES__0__READONLY"] = "true";
    }

    private string DataFile(string name) => Path.Join(_dataPath, name);

    public void Dispose()
    {
        Directory.Delete(_dataPath, recursive: true);
        _out.Dispose();
        _error.Dispose();
    }

    [Fact]
    public async Task Status_reports_the_sessions_in_json_and_as_a_table_and_the_agent_keeps_the_snapshot()
    {
        _settings["USERDISK__AGENT__CONFIGSNAPSHOT"] = "snapshots/scst.conf"; // relative: to the directory it was started in
        (WebApplication? app, int exitCode) = new AgentRunner(Context()).Prepare(configFile: null);
        Assert.True(app is not null, $"exit code {exitCode}: {_error}");
        await using (app)
        {
            await app.StartAsync(TestContext.Current.CancellationToken);
            var url = new Uri(new Uri(Assert.Single(app.Urls)), "/status");
            string snapshot = DataFile("snapshots/scst.conf");
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (!File.Exists(snapshot))
            {
                Assert.True(DateTime.UtcNow < deadline, "no scst.conf snapshot was written");
                await Task.Delay(20, TestContext.Current.CancellationToken);
            }

            using var http = new HttpClient();
            using var status = JsonDocument.Parse(await http.GetStringAsync(url, TestContext.Current.CancellationToken));
            int tableExit = await new StatusRunner(Context()).RunAsync(url, json: false, TestContext.Current.CancellationToken);
            string table = _out.ToString();
            _out.GetStringBuilder().Clear();
            int jsonExit = await new StatusRunner(Context()).RunAsync(url, json: true, TestContext.Current.CancellationToken);
            await app.StopAsync(TestContext.Current.CancellationToken);

            JsonElement session = Assert.Single(status.RootElement.GetProperty("sessions").EnumerateArray().ToList());
            Assert.Equal(Host1, session.GetProperty("initiator").GetString());
            Assert.Equal(Host1, session.GetProperty("session").GetString());
            Assert.Equal(3, session.GetProperty("activeCommands").GetInt32());
            Assert.Equal(JsonValueKind.Null, session.GetProperty("group").ValueKind);
            Assert.Empty(status.RootElement.GetProperty("sessionErrors").EnumerateArray());

            Assert.Equal((ExitCodes.Success, ExitCodes.Success), (tableExit, jsonExit));
            string[] lines = table.Split('\n');
            int header = Array.FindIndex(lines, static l => l.StartsWith("TARGET ", StringComparison.Ordinal));
            Assert.True(header > 0, table);
            Assert.Equal(["TARGET", "INITIATOR", "SESSION", "LUNS", "ACTIVE", "COMMANDS"], lines[header].Split(' ', StringSplitOptions.RemoveEmptyEntries));
            Assert.Equal([$"iscsi/{Iqn}", Host1, Host1, "0", "3", "5"], lines[header + 1].Split(' ', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains("\"sessions\":[{", _out.ToString(), StringComparison.Ordinal);

            Assert.Contains($"\tTARGET {Iqn} {{\n\t\tenabled 1\n\n\t\tLUN 0 boot-1 {{\n\t\t\tread_only 1\n\t\t}}\n\t}}\n", File.ReadAllText(snapshot), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("{data}", "is a directory")]
    [InlineData("{data}/snapshots/", "is a directory")]
    [InlineData("   ", "is not a file path")]
    [InlineData("{data}/agent-state.json", "is also StateFile")]
    public void A_config_snapshot_that_cannot_be_a_file_of_its_own_is_refused_naming_the_key(string path, string reason)
    {
        _settings["USERDISK__AGENT__CONFIGSNAPSHOT"] = path.Replace("{data}", _dataPath, StringComparison.Ordinal);

        (WebApplication? app, int exitCode) = new AgentRunner(Context()).Prepare(configFile: null);

        Assert.Null(app);
        Assert.Equal(ExitCodes.Usage, exitCode);
        Assert.Contains("UserDisk:Agent:ConfigSnapshot: ", _error.ToString(), StringComparison.Ordinal);
        Assert.Contains(reason, _error.ToString(), StringComparison.Ordinal);
    }

    private CliContext Context() => new()
    {
        BaseDirectory = _dataPath,
        CurrentDirectory = _dataPath,
        Environment = _settings,
        Out = _out,
        Error = _error,
        ConfigureHost = static builder => builder.Logging.ClearProviders(),
    };
}
