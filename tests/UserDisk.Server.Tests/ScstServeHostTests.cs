using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using UserDisk.Server.Cli;
using UserDisk.Server.Frontends.Scst;
using UserDisk.Server.Hosting;

namespace UserDisk.Server.Tests;

/// <summary>
/// <c>serve --frontend scst</c> end to end against native-shim's kernel emulator (UserDisk:Scst:Emulator): the ABI
/// check, version, one registered device per LUN, readiness, metrics and unregistration on stop.
/// </summary>
public sealed class ScstServeHostTests : ServeTestBase
{
    private readonly string _prefix = $"srv{Environment.ProcessId % 10000}x{Random.Shared.Next(100000)}";

    public ScstServeHostTests()
    {
        Settings["USERDISK__TARGETS__0__NAME"] = "iqn.2026-11.io.userdisk:scst";
        Settings["USERDISK__TARGETS__0__LUNS__0__NUMBER"] = "0";
        Settings["USERDISK__TARGETS__0__LUNS__0__NAME"] = _prefix + "a";
        Settings["USERDISK__TARGETS__0__LUNS__0__BACKSTORE"] = "memory:16M";
        Settings["USERDISK__TARGETS__0__LUNS__1__NUMBER"] = "1";
        Settings["USERDISK__TARGETS__0__LUNS__1__DEVICE"] = _prefix + "b";
        Settings["USERDISK__TARGETS__0__LUNS__1__BACKSTORE"] = "null:1G";
        Settings["USERDISK__TARGETS__0__LUNS__1__READONLY"] = "true";
        Settings["USERDISK__SHUTDOWNTIMEOUT"] = "5";
        Settings["USERDISK__SCST__EMULATOR"] = ShimPath();
        Settings["USERDISK__SCST__WORKERTHREADS"] = "1";
    }


    [Fact]
    public async Task Every_lun_is_registered_as_its_own_device_and_unregistered_on_stop()
    {
        await using WebApplication app = await StartAsync();
        var service = app.Services.GetRequiredService<ScstFrontendService>();
        using var http = new HttpClient { BaseAddress = new Uri(Assert.Single(app.Urls)) };

        Assert.Equal([_prefix + "a", _prefix + "b"], service.Devices.Select(d => d.Name).Order());
        Assert.All(service.Devices, d => Assert.True(d.IsRegistered));
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/readyz", UriKind.Relative), TestContext.Current.CancellationToken)).StatusCode);
        PrometheusScrape scrape = PrometheusScrape.Parse(await http.GetStringAsync(new Uri("/metrics", UriKind.Relative), TestContext.Current.CancellationToken));
        Assert.Equal(1, scrape.Single("userdisk_scst_registered", ("device", _prefix + "a")).Value);
        Assert.Contains($"SCST device {_prefix}a registered (16777216 bytes)", Out.Text, StringComparison.Ordinal);

        var devices = service.Devices;
        await app.StopAsync(TestContext.Current.CancellationToken);

        Assert.All(devices, d => Assert.False(d.IsRegistered));
    }

    [Fact]
    public async Task A_device_whose_loop_dies_is_registered_again()
    {
        await using WebApplication app = await StartAsync();
        var service = app.Services.GetRequiredService<ScstFrontendService>();
        var first = service.Devices.Single(d => d.Name == _prefix + "a");

        // Something closes the descriptor under the workers: the device goes down and comes back under its name.
        Assert.Equal(0, UserDisk.Scst.Interop.ScstEmulator.Load(ShimPath()).Close(first.Fd));

        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!service.Devices.Any(d => d.Name == _prefix + "a" && !ReferenceEquals(d, first) && d.IsRegistered))
        {
            Assert.True(DateTime.UtcNow < deadline, "the device was not registered again");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        Assert.False(first.IsRegistered);
        Assert.Contains(Logs.Lines, l => l.Contains($"SCST device {_prefix}a registered again after a fault", StringComparison.Ordinal));
        await app.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task A_file_that_grows_is_reported_to_scst_as_a_capacity_change()
    {
        string image = Path.Combine(Data.Path, "grow.img");
        Settings["USERDISK__TARGETS__0__LUNS__0__BACKSTORE"] = $"file:{image}?size=1M&create";
        await using WebApplication app = await StartAsync();
        var units = app.Services.GetRequiredService<LogicalUnitService>();
        var device = app.Services.GetRequiredService<ScstFrontendService>().Devices.Single(d => d.Name == _prefix + "a");

        using (var file = new FileStream(image, FileMode.Open, FileAccess.Write))
        {
            file.SetLength(3 << 20);
        }

        units.CheckCapacities();

        Assert.Equal(3L << 20, device.LogicalUnit.BlockCount * device.LogicalUnit.BlockSize);
        Assert.Contains(Logs.Lines, l => l.Contains($"SCST device {_prefix}a: capacity now 6144 blocks; SCST told", StringComparison.Ordinal));
        Assert.Contains(Logs.Lines, l => l.Contains("LUN 0 grew from 1 MiB to 3 MiB", StringComparison.Ordinal));
        await app.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task A_version_string_the_module_refuses_fails_the_start_naming_the_lun()
    {
        Settings["USERDISK__SCST__VERSION"] = "3.9.0230a30730ec749a9738ef33d6d17b1e6739bd19558760c5ceec7d20ce59c725a4a7a1f005466a6d0";

        int exitCode = await new ServeRunner(Context()).RunAsync(Arguments(), TestContext.Current.CancellationToken);

        Assert.Equal(ExitCodes.Failure, exitCode);
        string error = Error.ToString();
        Assert.Contains("UserDisk:Targets:0:Luns:0: SCST device", error, StringComparison.Ordinal);
        Assert.Contains("dmesg", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_lun_name_scst_cannot_take_is_a_configurationError_naming_the_key()
    {
        Settings["USERDISK__TARGETS__0__LUNS__0__NAME"] = "disk.0";

        int exitCode = await new ServeRunner(Context()).RunAsync(Arguments(), TestContext.Current.CancellationToken);

        Assert.Equal(ExitCodes.Usage, exitCode);
        Assert.Contains("UserDisk:Targets:0:Luns:0:Name: SCST device name 'disk.0'", Error.ToString(), StringComparison.Ordinal);
    }

    private static string ShimPath()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "native-shim", "build", "libuserdisk_shim.so");
            if (File.Exists(Path.Combine(dir.FullName, "UserDisk.sln")))
            {
                Assert.True(File.Exists(candidate), $"{candidate} is missing: run `make native`");
                return candidate;
            }
        }

        throw new InvalidOperationException("no UserDisk.sln above the test binaries");
    }

    protected override ServeArguments Arguments() => new() { Frontend = "scst", Http = "127.0.0.1:0" };


}
