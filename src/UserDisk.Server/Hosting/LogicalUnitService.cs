using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using UserDisk.Scsi;
using UserDisk.Server.Configuration;
using UserDisk.Server.Events;
using UserDisk.Server.Metrics;
using UserDisk.Storage;

namespace UserDisk.Server.Hosting;

/// <summary>
/// Opens every configured backstore and builds its <see cref="LogicalUnit"/> on start (all of them or none: every
/// failure is reported together); on stop, after the front ends (hosted services stop in reverse order), flushes
/// each backstore, closes it and logs what each LUN did.
/// </summary>
public sealed partial class LogicalUnitService : IHostedService, IDisposable
{
    /// <summary>How often backstores are measured again, so that a resized file or device reaches initiators.</summary>
    public static readonly TimeSpan CapacityCheckInterval = TimeSpan.FromSeconds(5);

    /// <summary>SPC-5 version descriptor of iSCSI (no version claimed), reported in standard INQUIRY data.</summary>
    public const ushort IscsiVersionDescriptor = 0x0960;

    private readonly UserDiskOptions _options;
    private readonly LunCatalog _catalog;
    private readonly Readiness _readiness;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly EventHub _events;
    private Timer? _capacityCheck;

    public LogicalUnitService(
        UserDiskOptions options,
        LunCatalog catalog,
        Readiness readiness,
        LunMetrics metrics,
        EventHub events,
        ILoggerFactory loggerFactory)
    {
        _events = events;
        ArgumentNullException.ThrowIfNull(metrics);
        _options = options;
        _catalog = catalog;
        _readiness = readiness;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<LogicalUnitService>();
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var errors = new List<string>();
        var opened = new List<ServedLun>();
        EnsureDataDirectory(errors);
        foreach (TargetOptions target in _options.Targets)
        {
            foreach (LunOptions lun in target.Luns)
            {
                IBackstore backstore;
                try
                {
                    // Memory and null stores take their identity (serial number, NAA designator) from this name; S3
                    // objects and squashfs images are read (HEAD, superblock) before they serve.
                    backstore = await lun.BackstoreUri.OpenAsync($"{target.Name}/{lun.Name}", _options.S3, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException or Amazon.Runtime.AmazonServiceException or Amazon.Runtime.AmazonClientException)
                {
                    errors.Add($"{lun.ConfigurationKey}:Backstore: cannot open {lun.Backstore}: {e.Message}");
                    continue;
                }

                try
                {
                    // Reservations made with APTPL survive restarts in the data directory, one file per LUN.
                    var unit = new LogicalUnit(backstore, UnitOptions(_options, lun, ReservationStatePath(target, lun)), _loggerFactory.CreateLogger<LogicalUnit>());
                    opened.Add(new ServedLun { Target = target, Options = lun, Unit = unit });
                }
                catch (ArgumentException e)
                {
                    backstore.Dispose();
                    errors.Add($"{lun.ConfigurationKey}:Backstore: {lun.Backstore} cannot back a logical unit: {e.Message}");
                }
                catch (InvalidDataException e)
                {
                    // A damaged reservation file: refuse to start rather than serve a unit that forgot its fencing.
                    backstore.Dispose();
                    errors.Add($"{lun.ConfigurationKey}: {e.Message}");
                }
            }
        }

        if (errors.Count > 0)
        {
            foreach (ServedLun lun in opened)
            {
                lun.Unit.Backstore.Dispose();
            }

            throw new HostStartupException(errors);
        }

        _catalog.Publish(opened, DateTimeOffset.UtcNow);
        _readiness.BackstoresOpened();
        foreach (ServedLun lun in opened)
        {
            LogOpened(_logger, lun);
        }

        _capacityCheck = new Timer(_ => CheckCapacities(), null, CapacityCheckInterval, CapacityCheckInterval);
    }

    public void Dispose() => _capacityCheck?.Dispose();

    /// <summary>
    /// Re-measures every backstore; a LUN that grew raises CAPACITY DATA HAS CHANGED (the engine's, or SCST's through
    /// the front end listening to <see cref="LogicalUnit.CapacityChanged"/>).
    /// </summary>
    public void CheckCapacities()
    {
        foreach (ServedLun lun in _catalog.Luns)
        {
            long before = lun.SizeBytes;
            try
            {
                if (lun.Unit.RefreshCapacity())
                {
                    LogCapacityChanged(_logger, lun.Target.Name, lun.Options.Number, new ByteSize(before), new ByteSize(lun.SizeBytes));
                    _events.Publish("device.capacity_changed", lun, reason: string.Create(System.Globalization.CultureInfo.InvariantCulture, $"grew from {before} bytes"));
                }
            }
            catch (Exception e) when (e is BackstoreException or IOException or ObjectDisposedException)
            {
                LogCapacityCheckFailed(_logger, lun.Target.Name, lun.Options.Number, e.Message);
            }
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _readiness.Stopping();
        if (_capacityCheck is not null)
        {
            await _capacityCheck.DisposeAsync().ConfigureAwait(false);
        }

        IReadOnlyList<ServedLun> luns = _catalog.Withdraw();
        TimeSpan uptime = _catalog.OpenedAt is DateTimeOffset openedAt ? DateTimeOffset.UtcNow - openedAt : TimeSpan.Zero;
        foreach (ServedLun lun in luns)
        {
            // Make acknowledged writes durable before the process goes: SYNCHRONIZE CACHE may never have come.
            try
            {
                await lun.Unit.Backstore.FlushAsync(0, 0, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
            {
                LogFlushFailed(_logger, lun.Target.Name, lun.Options.Number, e.Message);
            }

            lun.Unit.Backstore.Dispose();
            LogClosed(_logger, lun, uptime);
        }
    }

    /// <summary>
    /// How a LUN presents itself on the chosen front end. Under SCST the core owns reservations and unit attentions
    /// (ABI-SCST-USER.md §13.1) and the transport is whatever the target driver is, so the engine claims none of them.
    /// </summary>
    internal static LogicalUnitOptions UnitOptions(UserDiskOptions options, LunOptions lun, string? reservationStatePath)
    {
        bool underScst = options.Frontend == FrontendKind.Scst;
        return new LogicalUnitOptions
        {
            ReadOnly = lun.ReadOnly,
            TransportVersionDescriptor = underScst ? (ushort)0 : IscsiVersionDescriptor,
            ReservationStatePath = underScst ? null : reservationStatePath,
            ReservationsByEngine = !underScst,
            UnitAttentionsByEngine = !underScst,
        };
    }

    /// <summary>Creates the data directory when a backstore lives in it (the default config's sparse file does).</summary>
    private string ReservationStatePath(TargetOptions target, LunOptions lun)
    {
        var directory = Path.Combine(_options.DataDir, "reservations");
        Directory.CreateDirectory(directory);
        var safeTarget = string.Concat(target.Name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' ? c : '_'));
        return Path.Combine(directory, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{safeTarget}-lun{lun.Number}.json"));
    }

    private void EnsureDataDirectory(List<string> errors)
    {
        string prefix = Path.TrimEndingDirectorySeparator(_options.DataDir) + Path.DirectorySeparatorChar;
        bool used = _options.Targets.SelectMany(t => t.Luns).Any(l =>
            l.BackstoreUri.Path is string path && Path.GetFullPath(path).StartsWith(prefix, StringComparison.Ordinal));
        if (!used)
        {
            return;
        }

        try
        {
            Directory.CreateDirectory(_options.DataDir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            errors.Add($"UserDisk:DataDir: cannot create '{_options.DataDir}': {e.Message}");
        }
    }

    private static void LogOpened(ILogger logger, ServedLun lun)
    {
        if (logger.IsEnabled(LogLevel.Information))
        {
            LogOpened(logger, lun.Target.Name, lun.Options.Number, lun.Options.Name, new ByteSize(lun.SizeBytes), lun.Unit.BlockSize, lun.Unit.IsReadOnly ? "ro" : "rw", lun.Options.Backstore);
        }
    }

    private static void LogClosed(ILogger logger, ServedLun lun, TimeSpan uptime)
    {
        if (logger.IsEnabled(LogLevel.Information))
        {
            LunCounters c = LunCounters.Read(lun.Unit);
            TimeSpan seconds = TimeSpan.FromSeconds(Math.Round(uptime.TotalSeconds));
            LogSummary(logger, lun.Target.Name, lun.Options.Number, lun.Options.Name, seconds, c.Reads, c.Writes, c.Others, new ByteSize(c.BytesRead), new ByteSize(c.BytesWritten), c.BackstoreErrors, c.CheckConditions);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Opened {Target} LUN {Lun} '{Name}': {Size}, {BlockSize}-byte blocks, {Mode}, {Backstore}")]
    private static partial void LogOpened(ILogger logger, string target, ulong lun, string name, ByteSize size, int blockSize, string mode, string backstore);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Target} LUN {Lun} grew from {Before} to {After}: initiators are told the capacity changed")]
    private static partial void LogCapacityChanged(ILogger logger, string target, ulong lun, ByteSize before, ByteSize after);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Measuring {Target} LUN {Lun} again failed: {Reason}")]
    private static partial void LogCapacityCheckFailed(ILogger logger, string target, ulong lun, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Flushing {Target} LUN {Lun} at shutdown failed: {Reason}")]
    private static partial void LogFlushFailed(ILogger logger, string target, ulong lun, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Closed {Target} LUN {Lun} '{Name}' after {Uptime:c}: {Reads} reads, {Writes} writes, {Others} other commands, {BytesRead} read, {BytesWritten} written, {BackstoreErrors} backstore errors, {CheckConditions} check conditions")]
    private static partial void LogSummary(ILogger logger, string target, ulong lun, string name, TimeSpan uptime, long reads, long writes, long others, ByteSize bytesRead, ByteSize bytesWritten, long backstoreErrors, long checkConditions);
}
