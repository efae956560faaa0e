using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using UserDisk.Scst;
using UserDisk.Scst.Interop;
using UserDisk.Server.Configuration;
using UserDisk.Server.Events;
using UserDisk.Server.Hosting;

namespace UserDisk.Server.Frontends.Scst;

/// <summary>
/// Serves every configured LUN as its own SCST device through /dev/scst_user (or the emulator). Start-up refuses
/// to talk to the kernel unchecked: the ABI table must match and the version string must be known. A device whose
/// loop dies is registered again (the platform's attach agent re-adds its LUNs on the registration event); after
/// <see cref="ScstOptions.MaxRestartsPerMinute"/> restarts in a minute the process stops rather than flap.
/// </summary>
public sealed partial class ScstFrontendService : IHostedService, IAsyncDisposable, ILunProjector
{
    private readonly UserDiskOptions _options;
    private readonly LunCatalog _catalog;
    private readonly Readiness _readiness;
    private readonly ConsoleOutput _console;
    private readonly ScstMetrics _metrics;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly EventHub _events;
    private readonly List<ScstUserDevice> _devices = [];
    private readonly Dictionary<string, Queue<DateTime>> _restarts = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private ScstDeviceCalls? _calls;
    private string _version = string.Empty;
    private volatile bool _stopping;

    public ScstFrontendService(UserDiskOptions options, LunCatalog catalog, Readiness readiness, ConsoleOutput console, ScstMetrics metrics, EventHub events, IHostApplicationLifetime lifetime, ILoggerFactory loggerFactory)
    {
        _events = events;
        _options = options;
        _catalog = catalog;
        _readiness = readiness;
        _console = console;
        _metrics = metrics;
        _lifetime = lifetime;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<ScstFrontendService>();
    }

    /// <summary>The registered devices (tests look at their sessions and state).</summary>
    public IReadOnlyList<ScstUserDevice> Devices
    {
        get
        {
            lock (_lock)
            {
                return [.. _devices];
            }
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        ScstOptions scst = _options.Scst;
        string abiTable = scst.AbiTable ?? ScstAbiCheck.FindShim()
            ?? throw new HostStartupException([$"UserDisk:Scst:AbiTable: {ScstAbiCheck.ShimLibraryName} was not found next to the executable or in native-shim/build; build it with `make native` or set the path"]);
        try
        {
            ScstAbiCheck.Verify(abiTable);
        }
        catch (ScstAbiMismatchException e)
        {
            throw new HostStartupException([$"UserDisk:Scst:AbiTable: {e.Message}", .. e.Differences.Take(20)]);
        }

        _calls = scst.Emulator is null ? ScstDeviceCalls.Kernel : ScstDeviceCalls.Emulator(scst.Emulator);
        _version = scst.Version ?? DiscoverVersion(_calls);
        LogVersion(_logger, _version, _calls.Description);

        var errors = new List<string>();
        foreach (ServedLun lun in _catalog.Luns)
        {
            try
            {
                ScstUserDevice device = CreateDevice(lun);
                device.Register(_version, scst.DevicePath);
                device.Start();
                lock (_lock)
                {
                    _devices.Add(device);
                }

                _events.Publish("device.registered", lun);
            }
            catch (Exception e) when (e is ScstRegistrationException or ArgumentException)
            {
                errors.Add($"{lun.Options.ConfigurationKey}: {e.Message}");
            }
        }

        if (errors.Count > 0)
        {
            await StopDevicesAsync(cancellationToken).ConfigureAwait(false);
            throw new HostStartupException(errors);
        }

        _readiness.FrontendListening();
        foreach (ScstUserDevice device in Devices)
        {
            await _console.Writer.WriteLineAsync($"SCST device {device.Name} registered ({device.LogicalUnit.BlockCount * device.LogicalUnit.BlockSize} bytes); add it to a target, e.g. echo \"add {device.Name} 0\" > /sys/kernel/scst_tgt/targets/<driver>/<target>/luns/mgmt").ConfigureAwait(false);
        }

        await _console.Writer.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task AddAsync(ServedLun lun, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lun);
        ScstUserDevice device = CreateDevice(lun);
        device.Register(_version, _options.Scst.DevicePath);
        device.Start();
        lock (_lock)
        {
            _devices.Add(device);
        }

        _events.Publish("device.registered", lun);
        return Task.CompletedTask;
    }

    public async Task RemoveAsync(ServedLun lun, TimeSpan drainTimeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lun);
        ScstUserDevice? device;
        lock (_lock)
        {
            device = _devices.Find(d => ReferenceEquals(d.LogicalUnit, lun.Unit));
            if (device is not null)
            {
                _devices.Remove(device);
            }
        }

        if (device is not null)
        {
            // Closing makes SCST drop the device's LUNs everywhere; StopAsync first lets held commands finish.
            await device.DisposeAsync().ConfigureAwait(false);
            _events.Publish("device.unregistered", lun);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        _readiness.Stopping();
        await StopDevicesAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        _stopping = true;
        foreach (ScstUserDevice device in Devices)
        {
            await device.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task StopDevicesAsync(CancellationToken cancellationToken)
    {
        ScstUserDevice[] devices = [.. Devices];
        LogStopping(_logger, devices.Length);
        await Task.WhenAll(devices.Select(d => d.StopAsync(cancellationToken))).ConfigureAwait(false);
        foreach (ServedLun lun in _catalog.Luns.Where(l => devices.Any(d => ReferenceEquals(d.LogicalUnit, l.Unit))))
        {
            _events.Publish("device.unregistered", lun, reason: "shutdown");
        }
    }

    private ScstUserDevice CreateDevice(ServedLun lun)
    {
        ScstOptions scst = _options.Scst;
        var device = new ScstUserDevice(
            new ScstDeviceOptions
            {
                Name = lun.Options.Device ?? lun.Options.Name,
                WorkerThreads = scst.WorkerThreads,
                CommandsPerCall = scst.CommandsPerCall,
                NotifyOnFree = scst.NotifyOnFree,
                DrainTimeout = scst.DrainTimeout,
            },
            lun.Unit,
            _calls!,
            _loggerFactory.CreateLogger<ScstUserDevice>(),
            _metrics);
        device.Faulted += (_, e) => OnFaulted(lun, device, e);
        return device;
    }

    private void OnFaulted(ServedLun lun, ScstUserDevice device, ScstDeviceFaultedEventArgs e)
    {
        if (_stopping)
        {
            return;
        }

        _events.Publish("device.unregistered", lun, reason: $"fault: {e.Reason}");
        int recent;
        lock (_lock)
        {
            _devices.Remove(device);
            if (!_restarts.TryGetValue(e.Device, out Queue<DateTime>? times))
            {
                _restarts[e.Device] = times = new Queue<DateTime>();
            }

            DateTime now = DateTime.UtcNow;
            while (times.Count > 0 && now - times.Peek() > TimeSpan.FromMinutes(1))
            {
                times.Dequeue();
            }

            times.Enqueue(now);
            recent = times.Count;
        }

        if (recent > _options.Scst.MaxRestartsPerMinute)
        {
            LogGivingUp(_logger, e.Device, recent - 1, e.Reason);
            Environment.ExitCode = 1;
            _lifetime.StopApplication();
            return;
        }

        _ = RestartAsync(lun, e.Device, recent);
    }

    private async Task RestartAsync(ServedLun lun, string name, int attempt)
    {
        // The kernel unregisters a closed device in a worker thread: the name may stay taken for a moment.
        for (int tries = 0; tries < 10 && !_stopping; tries++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(250 * attempt * (tries + 1))).ConfigureAwait(false);
            try
            {
                ScstUserDevice device = CreateDevice(lun);
                device.Register(_version, _options.Scst.DevicePath);
                device.Start();
                lock (_lock)
                {
                    _devices.Add(device);
                }

                _events.Publish("device.registered", lun, reason: "registered again after a fault");
                LogRestarted(_logger, name);
                return;
            }
            catch (ScstRegistrationException e)
            {
                LogRestartFailed(_logger, name, e.Message);
            }
        }

        if (!_stopping)
        {
            LogGivingUp(_logger, name, attempt, "it could not be registered again");
            Environment.ExitCode = 1;
            _lifetime.StopApplication();
        }
    }

    private static string DiscoverVersion(ScstDeviceCalls calls)
    {
        if (calls.EmulatorVersion is string emulated)
        {
            return emulated;
        }

        ScstVersionDiscovery? found = ScstVersionString.Discover(ScstVersionString.DefaultIncludeDirectories, ScstVersionString.RunningKernelModules(), out IReadOnlyList<string> searched);
        return found?.Version ?? throw new HostStartupException(
        [
            "UserDisk:Scst:Version: the scst_user version string (ABI-SCST-USER.md §3) was not found; looked in " + string.Join(", ", searched)
            + ". Install SCST's headers (scst-dev / make install) or set UserDisk:Scst:Version to the string `dmesg` shows after a failed registration",
        ]);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "scst_user version string {Version}, calls through {Calls}")]
    private static partial void LogVersion(ILogger logger, string version, string calls);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping {Count} SCST device(s)")]
    private static partial void LogStopping(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SCST device {Device} registered again after a fault")]
    private static partial void LogRestarted(ILogger logger, string device);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SCST device {Device} could not be registered again yet: {Reason}")]
    private static partial void LogRestartFailed(ILogger logger, string device, string reason);

    [LoggerMessage(Level = LogLevel.Critical, Message = "SCST device {Device} faulted after {Restarts} restart(s) within a minute ({Reason}); stopping the process")]
    private static partial void LogGivingUp(ILogger logger, string device, int restarts, string reason);
}
