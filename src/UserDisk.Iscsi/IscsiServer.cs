using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using UserDisk.Scsi;

namespace UserDisk.Iscsi;

/// <summary>
/// The embedded iSCSI target (RFC 7143): listens on the targets' portals and runs one <see cref="IscsiConnection"/>
/// per TCP connection. Sessions are independent: a bad PDU closes only the connection that sent it.
/// </summary>
public sealed partial class IscsiServer : IAsyncDisposable
{
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly List<Socket> _listeners = [];
    private readonly List<Task> _acceptLoops = [];
    private readonly ConcurrentDictionary<IscsiConnection, byte> _connections = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<IPEndPoint> _localEndpoints = [];
    private readonly Dictionary<IPEndPoint, IPEndPoint> _boundPortals = [];
    private readonly ConcurrentDictionary<string, ItNexus> _nexuses = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Initiator, ulong Isid, string Target), IscsiConnection> _sessions = new();
    private int _nextTsih;

    public IscsiServer(IReadOnlyList<IscsiTargetOptions> targets, ILoggerFactory? loggerFactory = null, IscsiServerOptions? options = null)
    {
        Options = options ?? new IscsiServerOptions();
        ArgumentNullException.ThrowIfNull(targets);
        if (targets.Count == 0)
        {
            throw new ArgumentException("At least one target is needed.", nameof(targets));
        }

        Targets = new TargetDirectory(targets);
        foreach (var unit in Targets.All.SelectMany(t => t.Units).Distinct())
        {
            unit.TasksAborted += OnTasksAborted;
        }

        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<IscsiServer>();
    }

    /// <summary>The endpoints actually bound (port 0 in a portal becomes the port the kernel chose).</summary>
    public IReadOnlyList<IPEndPoint> LocalEndpoints => _localEndpoints;

    public int ConnectionCount => _connections.Count;

    public IscsiServerOptions Options { get; }

    internal TargetDirectory Targets { get; }

    internal IscsiMetrics Metrics { get; } = IscsiMetrics.Shared;

    /// <summary>
    /// Serves <paramref name="lun"/> on a configured target from now on (inventory projection). Sessions see it after
    /// their next REPORT LUNS, which REPORTED LUNS DATA HAS CHANGED prompts.
    /// </summary>
    public void AddLun(string target, IscsiLun lun)
    {
        ArgumentNullException.ThrowIfNull(lun);
        var found = Targets.Find(target) ?? throw new ArgumentException($"No target {target}.", nameof(target));
        found.Add(lun);
        lun.Unit.TasksAborted += OnTasksAborted;
    }

    /// <summary>
    /// Stops serving a LUN: new commands to it get LOGICAL UNIT NOT SUPPORTED at once; commands already running
    /// are given until <paramref name="drainTimeout"/> to finish. Returns the unit (for the caller to close), or
    /// null when the target had no such LUN.
    /// </summary>
    public async Task<LogicalUnit?> RemoveLunAsync(string target, ulong number, TimeSpan drainTimeout, CancellationToken cancellationToken = default)
    {
        var found = Targets.Find(target) ?? throw new ArgumentException($"No target {target}.", nameof(target));
        var unit = found.Remove(number);
        if (unit is null)
        {
            return null;
        }

        unit.TasksAborted -= OnTasksAborted;
        var deadline = DateTime.UtcNow + drainTimeout;
        while (unit.RunningCommands > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }

        return unit;
    }

    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        foreach (var portal in Targets.Portals)
        {
            var listener = new Socket(portal.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            try
            {
                listener.Bind(portal);
            }
            catch (SocketException e)
            {
                listener.Dispose();
                throw new InvalidOperationException($"Cannot listen on iSCSI portal {portal}: {e.Message}", e);
            }

            listener.Listen(128);
            _listeners.Add(listener);
            var bound = (IPEndPoint)listener.LocalEndPoint!;
            _localEndpoints.Add(bound);
            _boundPortals[portal] = bound;
            LogListening(_logger, bound);
            _acceptLoops.Add(AcceptLoopAsync(listener, bound));
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Stops accepting, asks every connection to finish its commands and log out, and waits for them until
    /// <paramref name="cancellationToken"/> fires; connections still open then are closed hard.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        foreach (var listener in _listeners)
        {
            listener.Dispose();
        }

        await Task.WhenAll(_acceptLoops).ConfigureAwait(false);
        foreach (var connection in _connections.Keys)
        {
            connection.BeginShutdown();
        }

        try
        {
            await Task.WhenAll(_connections.Keys.Select(c => c.Completion)).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            foreach (var connection in _connections.Keys)
            {
                connection.Abort("shutdown deadline passed");
            }

            await Task.WhenAll(_connections.Keys.Select(c => c.Completion)).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await StopAsync(cts.Token).ConfigureAwait(false);
        foreach (var unit in Targets.All.SelectMany(t => t.Units).Distinct())
        {
            unit.TasksAborted -= OnTasksAborted;
        }

        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync(Socket listener, IPEndPoint portal)
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (_stopping.IsCancellationRequested)
                {
                    return;
                }

                LogAcceptFailed(_logger, portal, e.Message);
                continue;
            }

            socket.NoDelay = true;
            var connection = new IscsiConnection(this, socket, portal, _loggerFactory.CreateLogger<IscsiConnection>());
            _connections[connection] = 0;
            connection.Completion = RunConnectionAsync(connection);
        }
    }

    private async Task RunConnectionAsync(IscsiConnection connection)
    {
        await Task.Yield();
        Metrics.ConnectionOpened();
        try
        {
            await connection.RunAsync().ConfigureAwait(false);
        }
        finally
        {
            Metrics.ConnectionClosed();
            _connections.TryRemove(connection, out _);
        }
    }

    /// <summary>Where a configured portal is actually listening (its port 0 resolved), or null if not bound.</summary>
    internal IPEndPoint? BoundPortal(IPEndPoint configured) => _boundPortals.GetValueOrDefault(configured);

    /// <summary>A session identifying handle: non-zero, unique among live sessions in practice (16 bits wrap).</summary>
    internal ushort AllocateTsih()
    {
        while (true)
        {
            var tsih = (ushort)Interlocked.Increment(ref _nextTsih);
            if (tsih != 0)
            {
                return tsih;
            }
        }
    }

    /// <summary>
    /// The I_T nexus of an initiator port (name + ISID) on a target port. The same object across sessions, so unit
    /// attentions and reservations follow the nexus, not the TCP connection.
    /// </summary>
    internal ItNexus NexusFor(string initiatorName, ulong isid, IscsiTarget target)
    {
        var initiatorPort = string.Create(CultureInfo.InvariantCulture, $"{initiatorName},i,0x{isid:x12}");
        var targetPort = string.Create(CultureInfo.InvariantCulture, $"{target.Name},t,0x{target.PortalGroupTag:x4}");
        return _nexuses.GetOrAdd(initiatorPort + "|" + targetPort, _ => new ItNexus(initiatorPort, targetPort, target.PortalGroupTag));
    }

    /// <summary>Records a new session; an older session of the same initiator port and target is reinstated
    /// (closed), as RFC 7143 6.3.5 requires.</summary>
    internal void RegisterSession(IscsiConnection connection)
    {
        var session = connection.Session!;
        if (session.IsDiscovery)
        {
            return;
        }

        var key = (session.InitiatorName, session.Isid, session.Target!.Name);
        var previous = _sessions.AddOrUpdate(key, connection, (_, _) => connection);
        if (!ReferenceEquals(previous, connection))
        {
            previous.Abort("session reinstated by a new login");
        }
    }

    /// <summary>Forgets a session; false when a newer login already reinstated it (its nexus lives on).</summary>
    internal bool UnregisterSession(IscsiConnection connection)
    {
        var session = connection.Session!;
        return !session.IsDiscovery
            && ((ICollection<KeyValuePair<(string, ulong, string), IscsiConnection>>)_sessions)
                .Remove(new((session.InitiatorName, session.Isid, session.Target!.Name), connection));
    }

    /// <summary>PREEMPT AND ABORT on a unit: abort the preempted nexuses' commands there, sparing the preempting one.</summary>
    private void OnTasksAborted(object? sender, TasksAbortedEventArgs e)
    {
        var unit = (LogicalUnit)sender!;
        foreach (var connection in _connections.Keys)
        {
            if (connection.Session?.Nexus is { } nexus && e.Nexuses.Contains(nexus))
            {
                connection.AbortTasksByAnotherNexus(unit, e.PreemptingCommand);
            }
        }
    }

    /// <summary>Aborts every task on <paramref name="unit"/> in every session (LUN reset, CLEAR TASK SET).</summary>
    internal async Task<byte> AbortTasksAsync(LogicalUnit unit, IscsiConnection requester)
    {
        var aborts = _connections.Keys.Select(c => c.AbortTasksOnAsync(unit, fromOwnReceiveLoop: ReferenceEquals(c, requester)));
        await Task.WhenAll(aborts).ConfigureAwait(false);
        return 0;
    }

    /// <summary>Ends every connection to <paramref name="target"/>; <paramref name="requester"/> first sends what it has
    /// queued (its task management response).</summary>
    internal void AbortConnections(IscsiTarget target, IscsiConnection requester, string reason)
    {
        foreach (var connection in _connections.Keys)
        {
            if (ReferenceEquals(connection, requester))
            {
                connection.CloseAfterSending(reason);
            }
            else if (connection.Session?.Target == target)
            {
                connection.Abort(reason);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "iSCSI target listening on {Portal}")]
    private static partial void LogListening(ILogger logger, IPEndPoint portal);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Accepting on {Portal} failed: {Reason}")]
    private static partial void LogAcceptFailed(ILogger logger, IPEndPoint portal, string reason);
}
