using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace UserDisk.Server.Hosting;

/// <summary>
/// sd_notify for <c>Type=notify</c> units: READY=1 once every hosted service has started (devices registered, the
/// target listening), STOPPING=1 when shutdown begins. Written by hand because Microsoft.Extensions.Hosting.Systemd is
/// not served by our package source; the protocol is one datagram to the socket in NOTIFY_SOCKET (a leading '@' names
/// an abstract socket). Does nothing outside systemd.
/// </summary>
public sealed partial class SystemdNotifier(IHostApplicationLifetime lifetime, ILogger<SystemdNotifier> logger, string? socketPath = null) : IHostedService
{
    private readonly string? _socketPath = socketPath ?? Environment.GetEnvironmentVariable("NOTIFY_SOCKET");

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!string.IsNullOrEmpty(_socketPath))
        {
            lifetime.ApplicationStarted.Register(() => Notify("READY=1\nSTATUS=serving"));
            lifetime.ApplicationStopping.Register(() => Notify("STOPPING=1"));
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Sends one notification; false (and a log line) when the socket cannot be reached.</summary>
    public bool Notify(string state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (string.IsNullOrEmpty(_socketPath))
        {
            return false;
        }

        string path = _socketPath[0] == '@' ? "\0" + _socketPath[1..] : _socketPath;
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            socket.SendTo(Encoding.UTF8.GetBytes(state), new UnixDomainSocketEndPoint(path));
            return true;
        }
        catch (SocketException e)
        {
            LogFailed(logger, _socketPath, e.Message);
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "sd_notify to {Socket} failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, string socket, string reason);
}
