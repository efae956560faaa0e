using System.Collections;
using UserDisk.Server.Cli;

namespace UserDisk.Server.Tests;

/// <summary><c>userdisk</c> as a process sees it: arguments in, exit code and stderr out.</summary>
public sealed class CommandLineTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly StringWriter _out = new();
    private readonly StringWriter _error = new();
    private readonly Hashtable _environment = new()
    {
        ["USERDISK__TARGETS__0__NAME"] = "iqn.2026-11.io.userdisk:cli",
        ["USERDISK__TARGETS__0__LUNS__0__NUMBER"] = "0",
        ["USERDISK__TARGETS__0__LUNS__0__BACKSTORE"] = "memory:1M",
    };

    public void Dispose()
    {
        _directory.Dispose();
        _out.Dispose();
        _error.Dispose();
    }

    [Fact]
    public async Task Configuration_errors_exit_2_and_list_every_error_with_its_key_on_stderr()
    {
        _environment["USERDISK__TARGETS__0__NAME"] = "not-an-iqn";
        _environment["USERDISK__TARGETS__0__LUNS__0__BACKSTORE"] = "tape:1";

        int exitCode = await RunAsync("serve", "--http", "nowhere:80");

        Assert.Equal(ExitCodes.Usage, exitCode);
        string error = _error.ToString();
        Assert.Contains("the configuration has 3 errors", error, StringComparison.Ordinal);
        Assert.Contains("error: UserDisk:Http: 'nowhere' in 'nowhere:80' is not an IP address", error, StringComparison.Ordinal);
        Assert.Contains("(set by --http)", error, StringComparison.Ordinal);
        Assert.Contains("error: UserDisk:Targets:0:Name: 'not-an-iqn'", error, StringComparison.Ordinal);
        Assert.Contains("error: UserDisk:Targets:0:Luns:0:Backstore: backstore 'tape:1': unknown kind 'tape'", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_config_file_exits_2()
    {
        int exitCode = await RunAsync("serve", "--config", "missing.json");

        Assert.Equal(ExitCodes.Usage, exitCode);
        Assert.Contains($"--config: configuration file '{_directory.Path}/missing.json' does not exist", _error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Frontend_scst_without_the_module_exits_2_saying_what_to_load()
    {
        int exitCode = await RunAsync("serve", "--frontend", "scst");

        Assert.Equal(ExitCodes.Usage, exitCode);
        string error = _error.ToString();
        Assert.Contains("/dev/scst_user does not exist", error, StringComparison.Ordinal);
        Assert.Contains("modprobe scst_user", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Frontend_from_configuration_is_honoured_too()
    {
        _environment["USERDISK__FRONTEND"] = "scst";

        int exitCode = await RunAsync("serve");

        Assert.Equal(ExitCodes.Usage, exitCode);
        Assert.Contains("/dev/scst_user does not exist", _error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_prints_size_block_size_read_only_and_identity()
    {
        int exitCode = await RunAsync("inspect", "memory:1M?blocksize=4096");

        Assert.Equal(ExitCodes.Success, exitCode);
        string output = _out.ToString();
        Assert.Contains("size        1048576 bytes (1 MiB), 256 blocks of 4096", output, StringComparison.Ordinal);
        Assert.Contains("read-only   no", output, StringComparison.Ordinal);
        Assert.Contains("identity    ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_of_a_malformed_backstore_is_a_usage_error_naming_the_part()
    {
        int exitCode = await RunAsync("inspect", "s3://");

        Assert.Equal(ExitCodes.Usage, exitCode);
        Assert.Contains("userdisk inspect:", _error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Frontend_value_outside_the_choices_is_a_usage_error()
    {
        int exitCode = await RunAsync("serve", "--frontend", "fc");

        Assert.Equal(ExitCodes.Usage, exitCode);
        Assert.Contains("'fc'", _error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_command_is_a_usage_error()
    {
        int exitCode = await RunAsync("serv");

        Assert.Equal(ExitCodes.Usage, exitCode);
    }

    [Fact]
    public async Task Serve_help_lists_every_flag()
    {
        int exitCode = await RunAsync("serve", "--help");

        Assert.Equal(ExitCodes.Success, exitCode);
        string help = _out.ToString();
        foreach (string flag in new[] { "--config", "--frontend", "--portal", "--http", "--data-dir" })
        {
            Assert.Contains(flag, help, StringComparison.Ordinal);
        }
    }

    private Task<int> RunAsync(params string[] args) => RunAsync(_ => false, args);

    private Task<int> RunAsync(Func<string, bool> pathExists, params string[] args) =>
        UserDiskCommandLine.RunAsync(
            args,
            new CliContext
            {
                Out = _out,
                Error = _error,
                BaseDirectory = _directory.Path,
                CurrentDirectory = _directory.Path,
                Environment = _environment,
                PathExists = pathExists,
            },
            TestContext.Current.CancellationToken);
}
