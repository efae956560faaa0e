using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using UserDisk.Scsi;
using UserDisk.Server.Configuration;
using UserDisk.Server.Events;
using UserDisk.Server.Frontends;
using UserDisk.Server.Hosting;
using UserDisk.Storage;
using UserDisk.Storage.S3;

namespace UserDisk.Server.Inventory;

/// <summary>
/// Inventory projection (DESIGN.md): lists the source on a timer and on demand and reconciles what the front end
/// serves with it. A new image becomes a read-only LUN; a removed, untagged or replaced image goes after its running
/// commands drain (a replaced one comes back as a new LUN, with a new serial); LUNs from static configuration are
/// never touched; a failed listing keeps everything as it is, so an S3 outage cannot unregister every device.
/// </summary>
public sealed partial class InventoryService : BackgroundService
{
    private static readonly Meter Meter = new("UserDisk.Inventory");
    private static readonly Counter<long> Changes = Meter.CreateCounter<long>("userdisk_inventory_changes", description: "Images projected, removed, replaced or refused, by change.");
    private static readonly Counter<long> ListingFailures = Meter.CreateCounter<long>("userdisk_inventory_listing_failures", description: "Listings of the inventory source that failed (the projected set was kept).");

    private readonly UserDiskOptions _options;
    private readonly InventoryOptions _inventory;
    private readonly IInventorySource _source;
    private readonly LunCatalog _catalog;
    private readonly ILunProjector _projector;
    private readonly EventHub _events;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly Dictionary<string, ProjectedImage> _projected = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _refused = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _reconciling = new(1, 1);
    private readonly SemaphoreSlim _wake = new(0, int.MaxValue);

    public InventoryService(UserDiskOptions options, LunCatalog catalog, ILunProjector projector, EventHub events, ILoggerFactory loggerFactory)
    {
        _events = events;
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _inventory = options.Inventory ?? throw new ArgumentException("No inventory is configured.", nameof(options));
        _catalog = catalog;
        _projector = projector;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<InventoryService>();
        _source = _inventory.IsS3
            ? new S3InventorySource(S3ClientFactory.Shared.GetClient(options.S3), _inventory.Source, _inventory.Pattern, _inventory.TagName, _inventory.TagValue)
            : new FolderInventorySource(_inventory.Source, _inventory.Pattern);
    }

    /// <summary>Completed passes (tests wait on it).</summary>
    public int Passes { get; private set; }

    /// <summary>Device names now projected, by image key.</summary>
    public IReadOnlyDictionary<string, string> Projected
    {
        get
        {
            lock (_projected)
            {
                return _projected.ToDictionary(p => p.Key, p => p.Value.Lun.Options.Name, StringComparer.Ordinal);
            }
        }
    }

    /// <summary>Asks for a pass now (an image changed, an operator asked).</summary>
    public void RequestReconcile() => _wake.Release();

    /// <summary>One reconcile pass; returns false when the listing failed and nothing was changed.</summary>
    public async Task<bool> ReconcileAsync(CancellationToken cancellationToken)
    {
        await _reconciling.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            IReadOnlyList<InventoryImage> images;
            try
            {
                images = await _source.ListAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                ListingFailures.Add(1);
                LogListingFailed(_logger, _source.Description, _projected.Count, e.Message);
                return false;
            }

            var wanted = images.ToDictionary(i => i.Key, StringComparer.Ordinal);
            foreach (var (key, projected) in _projected.ToList())
            {
                if (!wanted.TryGetValue(key, out var image) || image.Version != projected.Image.Version)
                {
                    await RemoveAsync(key, projected, image is null ? "removed" : "replaced", cancellationToken).ConfigureAwait(false);
                }
            }

            foreach (var image in images.OrderBy(i => i.Key, StringComparer.Ordinal))
            {
                if (!_projected.ContainsKey(image.Key) && !(_refused.TryGetValue(image.Key, out var refusedVersion) && refusedVersion == image.Version))
                {
                    await AddAsync(image, cancellationToken).ConfigureAwait(false);
                }
            }

            Passes++;
            return true;
        }
        finally
        {
            _reconciling.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        LogStarted(_logger, _inventory);
        while (!stoppingToken.IsCancellationRequested)
        {
            await ReconcileAsync(stoppingToken).ConfigureAwait(false);
            try
            {
                await _wake.WaitAsync(_inventory.Interval, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public override void Dispose()
    {
        _reconciling.Dispose();
        _wake.Dispose();
        base.Dispose();
    }

    private async Task AddAsync(InventoryImage image, CancellationToken cancellationToken)
    {
        string device = InventoryNaming.DeviceName(image.Key, _inventory.DevicePrefix);
        IBackstore backstore;
        BackstoreUri uri;
        try
        {
            uri = BackstoreUri.Parse(image.Backstore);
            backstore = await uri.OpenAsync(device, _options.S3, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or FormatException or ArgumentException or InvalidOperationException or Amazon.Runtime.AmazonServiceException or Amazon.Runtime.AmazonClientException)
        {
            // Remembered per version: a broken image is reported once, and again only when it is replaced.
            _refused[image.Key] = image.Version;
            Changes.Add(1, new KeyValuePair<string, object?>("change", "refused"));
            LogRefused(_logger, image.Key, e.Message);
            _events.Publish(new UserDiskEvent { Type = "inventory.refused", Device = device, Image = image.Key, Backstore = image.Backstore, Reason = e.Message });
            return;
        }

        var target = _options.Targets.First(t => string.Equals(t.Name, _inventory.Target, StringComparison.OrdinalIgnoreCase));
        var lunOptions = new LunOptions
        {
            Number = NextLunNumber(target),
            Name = device,
            Device = device,
            Backstore = image.Backstore,
            BackstoreUri = uri,
            ReadOnly = true,
            ConfigurationKey = $"{UserDiskOptions.SectionName}:Inventory:{image.Key}",
        };
        var unit = new LogicalUnit(backstore, LogicalUnitService.UnitOptions(_options, lunOptions, reservationStatePath: null), _loggerFactory.CreateLogger<LogicalUnit>());
        var lun = new ServedLun { Target = target, Options = lunOptions, Unit = unit };
        try
        {
            await _projector.AddAsync(lun, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            backstore.Dispose();
            _refused[image.Key] = image.Version;
            Changes.Add(1, new KeyValuePair<string, object?>("change", "refused"));
            LogRefused(_logger, image.Key, e.Message);
            return;
        }

        var s3 = backstore as S3Backstore ?? (backstore as SquashfsBackstore)?.Inner as S3Backstore;
        if (s3 is not null)
        {
            s3.ObjectChanged += (_, changed) =>
            {
                _events.Publish("backstore.failed", lun, reason: changed.ToString(), image: image.Key);
                RequestReconcile();
            };
        }

        bool recovered = _refused.Remove(image.Key);
        lock (_projected)
        {
            _projected[image.Key] = new ProjectedImage(image, lun);
        }

        _catalog.Add(lun);
        Changes.Add(1, new KeyValuePair<string, object?>("change", "added"));
        _events.Publish("inventory.added", lun, image: image.Key);
        if (recovered)
        {
            _events.Publish("backstore.recovered", lun, image: image.Key);
        }
        LogAdded(_logger, image.Key, device, target.Name, lunOptions.Number, lun.SizeBytes);
    }

    private async Task RemoveAsync(string key, ProjectedImage projected, string why, CancellationToken cancellationToken)
    {
        await _projector.RemoveAsync(projected.Lun, _options.ShutdownTimeout, cancellationToken).ConfigureAwait(false);
        lock (_projected)
        {
            _projected.Remove(key);
        }

        _catalog.Remove(projected.Lun);
        projected.Lun.Unit.Backstore.Dispose();
        Changes.Add(1, new KeyValuePair<string, object?>("change", why));
        _events.Publish($"inventory.{why}", projected.Lun, image: key);
        LogRemoved(_logger, key, projected.Lun.Options.Name, why);
    }

    private ulong NextLunNumber(TargetOptions target)
    {
        var used = new HashSet<ulong>(target.Luns.Select(l => l.Number));
        lock (_projected)
        {
            foreach (var p in _projected.Values)
            {
                used.Add(p.Lun.Options.Number);
            }
        }

        ulong number = _inventory.FirstLun;
        while (used.Contains(number))
        {
            number++;
        }

        return number;
    }

    private sealed record ProjectedImage(InventoryImage Image, ServedLun Lun);

    [LoggerMessage(Level = LogLevel.Information, Message = "Inventory: {Inventory}")]
    private static partial void LogStarted(ILogger logger, InventoryOptions inventory);

    [LoggerMessage(Level = LogLevel.Information, Message = "Inventory: projected {Key} as {Device} ({Target} LUN {Lun}, {Bytes} bytes)")]
    private static partial void LogAdded(ILogger logger, string key, string device, string target, ulong lun, long bytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Inventory: {Key} ({Device}) {Why}; its LUN is gone")]
    private static partial void LogRemoved(ILogger logger, string key, string device, string why);

    [LoggerMessage(Level = LogLevel.Error, Message = "Inventory: {Key} cannot be projected: {Reason}")]
    private static partial void LogRefused(ILogger logger, string key, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Inventory: listing {Source} failed; keeping the {Count} projected image(s): {Reason}")]
    private static partial void LogListingFailed(ILogger logger, string source, int count, string reason);
}
