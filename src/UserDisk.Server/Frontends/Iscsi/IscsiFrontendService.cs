using System.Net;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using UserDisk.Iscsi;
using UserDisk.Server.Configuration;
using UserDisk.Server.Events;
using UserDisk.Server.Frontends;
using UserDisk.Server.Hosting;

namespace UserDisk.Server.Frontends.Iscsi;

/// <summary>
/// Runs the embedded iSCSI target over the LUNs <see cref="LogicalUnitService"/> opened. On stop it gives
/// in-flight commands until <see cref="UserDiskOptions.ShutdownTimeout"/> to finish, then closes what is left.
/// </summary>
public sealed partial class IscsiFrontendService : IHostedService, IAsyncDisposable, ILunProjector
{
    private readonly UserDiskOptions _options;
    private readonly LunCatalog _catalog;
    private readonly Readiness _readiness;
    private readonly ConsoleOutput _console;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly EventHub _events;
    private IscsiServer? _server;

    public IscsiFrontendService(UserDiskOptions options, LunCatalog catalog, Readiness readiness, ConsoleOutput console, EventHub events, ILoggerFactory loggerFactory)
    {
        _events = events;
        _options = options;
        _catalog = catalog;
        _readiness = readiness;
        _console = console;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<IscsiFrontendService>();
    }

    /// <summary>The endpoints the target listens on (a configured port 0 shows the port the kernel chose).</summary>
    public IReadOnlyList<IPEndPoint> LocalEndpoints => _server?.LocalEndpoints ?? [];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var targets = new List<IscsiTargetOptions>();
        // Every configured target, even one with no LUN yet: inventory projection may fill it later.
        foreach (TargetOptions target in _options.Targets)
        {
            targets.Add(new IscsiTargetOptions
            {
                Name = target.Name,
                Alias = target.Alias,
                Portal = target.Portal,
                Luns = _catalog.Luns.Where(l => ReferenceEquals(l.Target, target)).Select(l => new IscsiLun(l.Options.Number, l.Unit)).ToList(),
                Chap = target.Chap is { } chap
                    ? new ChapCredentials { UserName = chap.UserName, Secret = chap.Secret, MutualUserName = chap.MutualUserName, MutualSecret = chap.MutualSecret }
                    : null,
            });
        }

        _server = new IscsiServer(targets, _loggerFactory);
        await _server.StartAsync(cancellationToken).ConfigureAwait(false);
        _readiness.FrontendListening();
        foreach (ServedLun lun in _catalog.Luns)
        {
            _events.Publish("device.registered", lun);
        }

        var bound = new List<(TargetOptions Target, IPEndPoint Portal)>();
        foreach (TargetOptions target in _options.Targets)
        {
            IPEndPoint portal = BoundPortal(target.Portal);
            bound.Add((target, portal));
            string authentication = target.Chap is null ? "none" : target.Chap.MutualUserName is null ? "CHAP" : "mutual CHAP";
            string alias = target.Alias ?? string.Empty;
            string listening = EndpointText.Format(portal);
            LogTarget(_logger, target.Name, alias, listening, target.Luns.Count, authentication);
        }

        await _console.Writer.WriteAsync(ConnectionHints.Format(bound)).ConfigureAwait(false);
        await _console.Writer.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task AddAsync(ServedLun lun, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lun);
        IscsiServer server = _server ?? throw new InvalidOperationException("The iSCSI target is not running.");
        server.AddLun(lun.Target.Name, new IscsiLun(lun.Options.Number, lun.Unit));
        _events.Publish("device.registered", lun);
        return Task.CompletedTask;
    }

    public async Task RemoveAsync(ServedLun lun, TimeSpan drainTimeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lun);
        if (_server is IscsiServer server)
        {
            if (await server.RemoveLunAsync(lun.Target.Name, lun.Options.Number, drainTimeout, cancellationToken).ConfigureAwait(false) is not null)
            {
                _events.Publish("device.unregistered", lun);
            }
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _readiness.Stopping();
        if (_server is null)
        {
            return;
        }

        // The host's token fires at HostOptions.ShutdownTimeout, which leaves room for flushing after this; the
        // iSCSI sessions get the configured timeout.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.ShutdownTimeout);
        LogStopping(_logger, _server.ConnectionCount, _options.ShutdownTimeout.TotalSeconds);
        await _server.StopAsync(deadline.Token).ConfigureAwait(false);
        foreach (ServedLun lun in _catalog.Luns)
        {
            _events.Publish("device.unregistered", lun, reason: "shutdown");
        }

        LogStopped(_logger);
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync().ConfigureAwait(false);
            _server = null;
        }
    }

    private IPEndPoint BoundPortal(IPEndPoint configured)
    {
        IReadOnlyList<IPEndPoint> endpoints = LocalEndpoints;
        return endpoints.FirstOrDefault(e => e.Equals(configured))
            ?? endpoints.FirstOrDefault(e => configured.Port == 0 && e.Address.Equals(configured.Address))
            ?? configured;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "iSCSI target {Target} (alias '{Alias}') on {Portal}: {LunCount} LUN(s), authentication {Authentication}")]
    private static partial void LogTarget(ILogger logger, string target, string alias, string portal, int lunCount, string authentication);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping the iSCSI target: {Connections} connection(s) get {Timeout} s to finish")]
    private static partial void LogStopping(ILogger logger, int connections, double timeout);

    [LoggerMessage(Level = LogLevel.Information, Message = "iSCSI target stopped")]
    private static partial void LogStopped(ILogger logger);
}
