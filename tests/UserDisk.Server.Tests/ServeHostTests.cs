using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using UserDisk.Server.Cli;
using UserDisk.Server.Frontends.Iscsi;
using UserDisk.Server.Hosting;

namespace UserDisk.Server.Tests;

/// <summary>
/// The real <c>serve</c> host, as the command builds it: configuration from USERDISK__ variables, LUNs, the embedded
/// iSCSI target on 127.0.0.1:0 and Kestrel on 127.0.0.1:0.
/// </summary>
public sealed class ServeHostTests : ServeTestBase
{
    private const string Target = "iqn.2026-11.io.userdisk:e2e";

    public ServeHostTests()
    {
        Settings["USERDISK__TARGETS__0__NAME"] = Target;
        Settings["USERDISK__TARGETS__0__LUNS__0__NUMBER"] = "0";
        Settings["USERDISK__TARGETS__0__LUNS__0__BACKSTORE"] = "memory:16M";
        Settings["USERDISK__TARGETS__0__LUNS__1__NUMBER"] = "1";
        Settings["USERDISK__TARGETS__0__LUNS__1__BACKSTORE"] = "null:1G";
        Settings["USERDISK__TARGETS__0__LUNS__1__READONLY"] = "true";
        Settings["USERDISK__SHUTDOWNTIMEOUT"] = "5";
    }


    [Fact]
    public async Task Portal_answers_an_iscsi_login_request_with_a_login_response()
    {
        await using WebApplication app = await StartAsync();
        IPEndPoint portal = Assert.Single(app.Services.GetRequiredService<IscsiFrontendService>().LocalEndpoints);
        Assert.NotEqual(0, portal.Port);

        using var client = new TcpClient();
        await client.ConnectAsync(portal, TestContext.Current.CancellationToken);
        NetworkStream stream = client.GetStream();
        await stream.WriteAsync(IscsiLoginRequest.Create("iqn.2026-11.io.userdisk:test-initiator", Target), TestContext.Current.CancellationToken);
        byte[] response = new byte[IscsiLoginRequest.BhsLength];
        await stream.ReadExactlyAsync(response, TestContext.Current.CancellationToken);

        Assert.Equal(IscsiLoginRequest.LoginResponseOpcode, response[0] & 0x3F);
        Assert.Equal(0, response[36]); // Status-Class 0: success
        await app.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Http_endpoint_reports_ready_and_per_lun_metrics()
    {
        await using WebApplication app = await StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(Assert.Single(app.Urls)) };

        HttpResponseMessage ready = await http.GetAsync(new Uri("/readyz", UriKind.Relative), TestContext.Current.CancellationToken);
        PrometheusScrape scrape = PrometheusScrape.Parse(await http.GetStringAsync(new Uri("/metrics", UriKind.Relative), TestContext.Current.CancellationToken));

        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal(16 << 20, scrape.Single("userdisk_lun_capacity_bytes", ("target", Target), ("lun", "0"), ("name", "lun0")).Value);
        Assert.Equal(1L << 30, scrape.Single("userdisk_lun_capacity_bytes", ("target", Target), ("lun", "1")).Value);
        Assert.Equal("counter", scrape.Types["userdisk_lun_commands_total"]);
        Assert.Equal("counter", scrape.Types["userdisk_iscsi_connections_opened_total"]);
        Assert.Equal("gauge", scrape.Types["userdisk_iscsi_sessions"]);
        await app.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Start_prints_ready_to_paste_discovery_and_inquiry_lines()
    {
        await using WebApplication app = await StartAsync();
        int port = Assert.Single(app.Services.GetRequiredService<IscsiFrontendService>().LocalEndpoints).Port;

        string output = Out.Text;

        Assert.Contains($"Discovery URL: iscsi://127.0.0.1:{port}\n", output, StringComparison.Ordinal);
        Assert.Contains($"iscsi-ls iscsi://127.0.0.1:{port}\n", output, StringComparison.Ordinal);
        Assert.Contains($"iscsi-inq iscsi://127.0.0.1:{port}/{Target}/0\n", output, StringComparison.Ordinal);
        Assert.Contains($"iscsi-inq iscsi://127.0.0.1:{port}/{Target}/1\n", output, StringComparison.Ordinal);
        await app.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Start_logs_each_lun_with_size_and_mode()
    {
        await using WebApplication app = await StartAsync();

        Assert.Contains(Logs.Lines, l => l.Contains($"Opened {Target} LUN 0 'lun0': 16 MiB, 512-byte blocks, rw", StringComparison.Ordinal));
        Assert.Contains(Logs.Lines, l => l.Contains($"Opened {Target} LUN 1 'lun1': 1 GiB, 512-byte blocks, ro", StringComparison.Ordinal));
        await app.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Stop_closes_the_portal_flushes_the_backstores_and_logs_a_summary_per_lun()
    {
        Settings["USERDISK__TARGETS__0__LUNS__0__BACKSTORE"] = $"file:{Data.Path}/disk.img?size=1M&create";
        WebApplication app = await StartAsync();
        IPEndPoint portal = Assert.Single(app.Services.GetRequiredService<IscsiFrontendService>().LocalEndpoints);
        Readiness readiness = app.Services.GetRequiredService<Readiness>();

        await app.StopAsync(TestContext.Current.CancellationToken);
        await app.DisposeAsync();

        Assert.False(readiness.IsReady);
        Assert.Contains(Logs.Lines, l => l.Contains($"Closed {Target} LUN 0 'lun0'", StringComparison.Ordinal));
        Assert.Contains(Logs.Lines, l => l.Contains($"Closed {Target} LUN 1 'lun1'", StringComparison.Ordinal));
        Assert.Equal(1 << 20, new FileInfo(Path.Combine(Data.Path, "disk.img")).Length);
        using var client = new TcpClient();
        await Assert.ThrowsAsync<SocketException>(async () => await client.ConnectAsync(portal, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Chap_secrets_never_reach_the_logs_or_the_console()
    {
        const string secret = "never-log-this-1";
        const string mutualSecret = "nor-this-one-22";
        Settings["USERDISK__TARGETS__0__CHAP__USERNAME"] = "alice";
        Settings["USERDISK__TARGETS__0__CHAP__SECRET"] = secret;
        Settings["USERDISK__TARGETS__0__CHAP__MUTUALUSERNAME"] = "target";
        Settings["USERDISK__TARGETS__0__CHAP__MUTUALSECRET"] = mutualSecret;

        WebApplication app = await StartAsync();
        await app.StopAsync(TestContext.Current.CancellationToken);
        await app.DisposeAsync();

        string everything = Logs.Text + Out.Text + Error;
        Assert.Contains("mutual CHAP", everything, StringComparison.Ordinal);
        Assert.Contains("iscsi://alice%SECRET@127.0.0.1:", Out.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, everything, StringComparison.Ordinal);
        Assert.DoesNotContain(mutualSecret, everything, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_stops_gracefully_with_exit_code_0_when_asked_to_stop()
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        Task<int> run = new ServeRunner(Context()).RunAsync(Arguments(), stop.Token);

        await Out.WaitForAsync("Discovery URL").WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        await stop.CancelAsync();

        Assert.Equal(ExitCodes.Success, await run.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));
        Assert.Contains(Logs.Lines, l => l.Contains("iSCSI target stopped", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Backstore_that_cannot_be_opened_fails_the_start_with_exit_code_1_naming_its_key()
    {
        Settings["USERDISK__TARGETS__0__LUNS__1__BACKSTORE"] = $"file:{Data.Path}/missing/disk.img";

        int exitCode = await new ServeRunner(Context()).RunAsync(Arguments(), TestContext.Current.CancellationToken);

        Assert.Equal(ExitCodes.Failure, exitCode);
        Assert.Contains($"UserDisk:Targets:0:Luns:1:Backstore: cannot open file:{Data.Path}/missing/disk.img", Error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Portal_in_use_fails_the_start_with_exit_code_1()
    {
        using var squatter = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        squatter.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        squatter.Listen();

        int exitCode = await new ServeRunner(Context()).RunAsync(
            Arguments() with { Portal = squatter.LocalEndPoint!.ToString() },
            TestContext.Current.CancellationToken);

        Assert.Equal(ExitCodes.Failure, exitCode);
        Assert.Contains("Cannot listen on iSCSI portal", Error.ToString(), StringComparison.Ordinal);
    }



}
