using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using UserDisk.Server.Hosting;

namespace UserDisk.Server.Tests;

/// <summary>sd_notify: READY=1 when the host has started, STOPPING=1 when it stops, as datagrams to NOTIFY_SOCKET.</summary>
public sealed class SystemdNotifierTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Ready_is_sent_when_the_host_has_started_and_stopping_when_it_stops()
    {
        string path = Path.Combine(_directory.Path, "notify.sock");
        using var systemd = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        systemd.Bind(new UnixDomainSocketEndPoint(path));
        var lifetime = new Lifetime();
        var notifier = new SystemdNotifier(lifetime, NullLogger<SystemdNotifier>.Instance, path);
        await notifier.StartAsync(TestContext.Current.CancellationToken);
        Assert.Equal(0, systemd.Available);

        await lifetime.Started.CancelAsync();
        Assert.Equal("READY=1\nSTATUS=serving", await ReceiveAsync(systemd));

        await lifetime.Stopping.CancelAsync();
        Assert.Equal("STOPPING=1", await ReceiveAsync(systemd));
    }

    [Fact]
    public void Outside_systemd_nothing_is_sent()
    {
        var notifier = new SystemdNotifier(new Lifetime(), NullLogger<SystemdNotifier>.Instance, socketPath: string.Empty);

        Assert.False(notifier.Notify("READY=1"));
    }

    [Fact]
    public void A_socket_that_is_gone_is_reported_not_thrown()
    {
        var notifier = new SystemdNotifier(new Lifetime(), NullLogger<SystemdNotifier>.Instance, Path.Combine(_directory.Path, "missing.sock"));

        Assert.False(notifier.Notify("READY=1"));
    }

    private static async Task<string> ReceiveAsync(Socket socket)
    {
        byte[] buffer = new byte[256];
        int n = await socket.ReceiveAsync(buffer, SocketFlags.None, TestContext.Current.CancellationToken).AsTask().WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        return Encoding.UTF8.GetString(buffer, 0, n);
    }

    private sealed class Lifetime : IHostApplicationLifetime
    {
        public CancellationTokenSource Started { get; } = new();

        public CancellationTokenSource Stopping { get; } = new();

        public CancellationToken ApplicationStarted => Started.Token;

        public CancellationToken ApplicationStopping => Stopping.Token;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void StopApplication() => Stopping.Cancel();
    }
}
