using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using UserDisk.Platform.Sysfs;

namespace UserDisk.Platform.Attach;

/// <summary>
/// Applies an <see cref="AttachPolicy"/> to SCST: enables targets, creates groups, and gives every user device that
/// matches a rule its LUN, idempotently, whenever it registers (DESIGN.md "Inventory, events and the platform",
/// ABI-SCST-USER.md §9.5). LUN numbers for <c>auto</c> rules are stable: the number a device had before (kept in the
/// state file) wins over the lowest free one. It also answers status with the sessions of its targets, and keeps
/// an scst.conf-style snapshot of what it manages when <see cref="AttachManagerOptions.ConfigSnapshotPath"/> is set.
/// </summary>
/// <remarks>
/// Thread-safe. Management writes are made one at a time (SCST executes them one at a time anyway, and a LUN table
/// must be read and written without another writer in between); retries wait outside that lock.
/// </remarks>
public sealed partial class AttachManager : IDisposable
{
    private readonly ScstSysfs _sysfs;
    private readonly AttachPolicy _policy;
    private readonly AttachManagerOptions _options;
    private readonly ILogger _logger;
    private readonly AttachMetrics _metrics;
    private readonly bool _ownsMetrics;
    private readonly AttachStateStore _state;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ScstConfSnapshot? _snapshot;
    private readonly Lock _snapshotLock = new();

    private readonly Lock _statusLock = new();
    private readonly Dictionary<string, DeviceAttachStatus> _devices = new(StringComparer.Ordinal);
    private readonly HashSet<string> _unmatchedSeen = new(StringComparer.Ordinal);
    private IReadOnlyList<string> _setupErrors = [];
    private IReadOnlyList<LunMapping> _mappings;

    // What start-up set up without error: the scst.conf snapshot shows these, not what the policy merely asks for.
    private IReadOnlyList<AttachTarget> _enabledTargets = [];
    private IReadOnlyList<AttachGroup> _readyGroups = [];
    private string? _snapshotError;

    // The session listing in progress (under _statusLock), shared by every status request while it runs.
    private Task<SessionListing>? _sessionScan;
    private long _sessionScanStarted;

    public AttachManager(
        ScstSysfs sysfs,
        AttachPolicy policy,
        AttachManagerOptions? options = null,
        ILogger<AttachManager>? logger = null,
        AttachMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(sysfs);
        ArgumentNullException.ThrowIfNull(policy);
        IReadOnlyList<string> errors = policy.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid attach policy: " + string.Join("; ", errors), nameof(policy));
        }

        _sysfs = sysfs;
        _policy = policy;
        _options = options ?? new AttachManagerOptions();
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _ownsMetrics = metrics is null;
        _metrics = metrics ?? new AttachMetrics();
        _state = AttachStateStore.Load(_options.StateFilePath, (path, e) => LogStateCorrupt(_logger, path, e.Message));
        _mappings = [.. _state.Mappings];
        _snapshot = string.IsNullOrEmpty(_options.ConfigSnapshotPath) ? null : new ScstConfSnapshot(_options.ConfigSnapshotPath);
    }

    public AttachPolicy Policy => _policy;

    public AttachMetrics Metrics => _metrics;

    /// <summary>A snapshot; never waits for management writes in progress.</summary>
    public AttachStatus Status
    {
        get
        {
            lock (_statusLock)
            {
                return new AttachStatus
                {
                    Devices = [.. _devices.Values.OrderBy(static d => d.Device, StringComparer.Ordinal)],
                    Mappings = _mappings,
                    SetupErrors = _setupErrors,
                    HungWrites = _sysfs.HungWrites,
                    ConfigSnapshotError = _snapshotError,
                };
            }
        }
    }

    /// <summary>
    /// <see cref="Status"/> with the sessions of every target the policy names, read from sysfs now. The reads run on
    /// a thread of their own and are given up after <see cref="ScstSysfsOptions.ReadTimeout"/> (a session error then
    /// says so): a sysfs read cannot be interrupted, and SCST answers some only after its management worker is free.
    /// While one listing runs, later requests wait for the same one rather than start another, so a read stuck in
    /// the kernel holds one thread, not one per request. Never throws for sysfs failures, only for cancellation.
    /// </summary>
    public async Task<AttachStatus> ReadStatusAsync(CancellationToken cancellationToken = default)
    {
        AttachStatus status = Status;
        Task<SessionListing> scan;
        TimeSpan running;
        lock (_statusLock)
        {
            if (_sessionScan is not { IsCompleted: false })
            {
                _sessionScan = StartSessionScan();
                _sessionScanStarted = Stopwatch.GetTimestamp();
            }

            scan = _sessionScan;
            running = Stopwatch.GetElapsedTime(_sessionScanStarted);
        }

        TimeSpan limit = _sysfs.Options.ReadTimeout;
        SessionListing listing;
        try
        {
            listing = await scan.WaitAsync(running < limit ? limit - running : TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            running = Stopwatch.GetElapsedTime(Volatile.Read(ref _sessionScanStarted));
            LogSessionsTimedOut(_logger, running.TotalSeconds);
            listing = new SessionListing([], [string.Create(CultureInfo.InvariantCulture,
                $"sessions not read: sysfs has not answered for {running.TotalSeconds:0.#} s (limit {limit.TotalSeconds:0.###} s); SCST's management worker is busy or a read is stuck in the kernel")]);
        }

        return status with { Sessions = listing.Sessions, SessionErrors = listing.Errors };
    }

    /// <summary>
    /// Start-up: creates the configured groups and their initiators, enables the configured targets, then scans
    /// <c>devices/</c> and reconciles every user device (registration events are not persisted, so devices that
    /// registered while no agent listened are only found this way, §9.4). Set-up failures are logged and kept in
    /// <see cref="AttachStatus.SetupErrors"/>; they do not stop the scan.
    /// </summary>
    public async Task<IReadOnlyList<AttachResult>> StartupAsync(CancellationToken cancellationToken = default)
    {
        var errors = new List<string>();
        var enabledTargets = new List<AttachTarget>();
        var readyGroups = new List<AttachGroup>();

        // Groups before targets: SCST picks an initiator's group when its session is created, so groups must be in
        // place before the target lets initiators log in (§10.3).
        foreach (AttachGroup group in _policy.Groups)
        {
            if (!await SetUpAsync(errors, $"create group {group.Driver}/{group.Target}/{group.Group}",
                () => _sysfs.CreateGroupAsync(group.Driver, group.Target, group.Group, cancellationToken), cancellationToken).ConfigureAwait(false))
            {
                continue; // its initiators would fail the same way
            }

            var added = new List<string>();
            foreach (string initiator in group.Initiators)
            {
                if (await SetUpAsync(errors, $"add initiator {initiator} to {group.Driver}/{group.Target}/{group.Group}",
                    () => _sysfs.AddInitiatorAsync(group.Driver, group.Target, group.Group, initiator, cancellationToken), cancellationToken).ConfigureAwait(false))
                {
                    added.Add(initiator);
                }
            }

            readyGroups.Add(group with { Initiators = added });
        }

        foreach (AttachTarget target in _policy.Targets)
        {
            if (await SetUpAsync(errors, $"enable target {target.Driver}/{target.Target}",
                () => _sysfs.EnableTargetAsync(target.Driver, target.Target, cancellationToken), cancellationToken).ConfigureAwait(false))
            {
                enabledTargets.Add(target);
            }
        }

        lock (_statusLock)
        {
            _setupErrors = errors;
            _enabledTargets = enabledTargets;
            _readyGroups = readyGroups;
        }

        return await ReconcileAllAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reconciles every user device under <c>devices/</c>, in name order, then updates the scst.conf snapshot.</summary>
    public async Task<IReadOnlyList<AttachResult>> ReconcileAllAsync(CancellationToken cancellationToken = default)
    {
        List<string> devices = [.. _sysfs.ListDevices().Order(StringComparer.Ordinal)];

        // Started together so that one device's retries do not hold up the others; the lock is FIFO, so first
        // attempts still run (and pick auto LUN numbers) in name order.
        var reconciles = new List<Task<AttachResult>>(devices.Count);
        foreach (string device in devices)
        {
            reconciles.Add(ReconcileAsync(device, cancellationToken));
        }

        AttachResult[] results = await Task.WhenAll(reconciles).ConfigureAwait(false);
        WriteConfigSnapshot();
        return [.. results.Where(static r => r.Outcome != AttachOutcome.NotUserDevice)];
    }

    /// <summary>
    /// Gives <paramref name="device"/> its LUN if a rule matches and the rule's LUN table does not hold it yet
    /// (never twice in one table). Retries failures worth retrying with exponential back-off, up to
    /// <see cref="AttachManagerOptions.MaxAttempts"/> rounds; never throws for SCST's answers, only for cancellation.
    /// Then updates the scst.conf snapshot.
    /// </summary>
    public async Task<AttachResult> ReconcileDeviceAsync(string device, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(device);
        AttachResult result = await ReconcileAsync(device, cancellationToken).ConfigureAwait(false);
        WriteConfigSnapshot();
        return result;
    }

    /// <summary>The rounds of <see cref="ReconcileDeviceAsync"/> without the snapshot update, which <see cref="ReconcileAllAsync"/> makes once for all devices.</summary>
    private async Task<AttachResult> ReconcileAsync(string device, CancellationToken cancellationToken)
    {
        var context = new Attempt(device);
        TimeSpan backoff = _options.InitialBackoff;
        for (int round = 1; ; round++)
        {
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await AttemptAsync(context, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _gate.Release();
            }

            if (context.Final is { } final)
            {
                return final;
            }

            // A failure worth another round.
            Debug.Assert(context.Retry is not null);
            if (round >= _options.MaxAttempts)
            {
                LogGaveUp(_logger, device, round, context.Retry.Error);
                return Finish(context, AttachOutcome.Failed, context.Retry.Reason, $"{context.Retry.Error} (gave up after {round} attempts)");
            }

            LogRetrying(_logger, device, context.Retry.Error, backoff.TotalMilliseconds);
            await Task.Delay(backoff, cancellationToken).ConfigureAwait(false);
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _options.MaxBackoff.Ticks));
        }
    }

    /// <summary>
    /// Forgets LUNs the agent added whose device no longer exists, keeping their numbers for when the device returns.
    /// The kernel deletes a device's LUNs when it unregisters, so this is bookkeeping; only a LUN the agent added
    /// that still names the vanished device is deleted. LUNs others added are never touched. Every vanished device
    /// is <see cref="DeviceAttachState.Gone"/> afterwards, and the scst.conf snapshot follows.
    /// </summary>
    public async Task<IReadOnlyList<StaleLun>> RemoveStaleAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var present = new HashSet<string>(_sysfs.ListDevices(), StringComparer.Ordinal);
            var stale = new List<StaleLun>();
            foreach (LunMapping mapping in _state.Mappings.Where(m => m.Added && !present.Contains(m.Device)).ToList())
            {
                bool deleted = false;
                try
                {
                    if (_sysfs.ListLuns(mapping.Driver, mapping.Target, mapping.Group).TryGetValue(mapping.Lun, out string? holder) && holder == mapping.Device)
                    {
                        await _sysfs.DeleteLunAsync(mapping.Driver, mapping.Target, mapping.Group, mapping.Lun, cancellationToken).ConfigureAwait(false);
                        deleted = true;
                    }
                }
                catch (SysfsWriteException e) when (e.Errno == SysfsErrno.ENOENT)
                {
                    // Went with its device meanwhile.
                }
                catch (SysfsException e)
                {
                    // Still ours and still there: the next call tries again.
                    LogStaleNotRemoved(_logger, mapping.Device, mapping.Table, mapping.Lun, e.Message);
                    continue;
                }

                LunMapping forgotten = mapping with { Added = false, UpdatedAt = DateTimeOffset.UtcNow };
                _state.Set(forgotten);
                stale.Add(new StaleLun { Mapping = forgotten, Deleted = deleted });
                SetStatus(mapping.Device, s => s with { State = DeviceAttachState.Gone, UpdatedAt = DateTimeOffset.UtcNow });
                LogStale(_logger, mapping.Device, mapping.Table, mapping.Lun, deleted);
            }

            if (stale.Count > 0)
            {
                SaveState();
            }

            // Devices whose LUNs someone else added, or that no rule matched, vanish without a mapping to forget.
            lock (_statusLock)
            {
                foreach (DeviceAttachStatus status in _devices.Values.Where(d => d.State != DeviceAttachState.Gone && !present.Contains(d.Device)).ToList())
                {
                    _devices[status.Device] = status with { State = DeviceAttachState.Gone, UpdatedAt = DateTimeOffset.UtcNow };
                }
            }

            WriteConfigSnapshot();
            return stale;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose()
    {
        _gate.Dispose();
        if (_ownsMetrics)
        {
            _metrics.Dispose();
        }
    }

    /// <summary>One round for one device, under the lock: sets <see cref="Attempt.Final"/> or <see cref="Attempt.Retry"/>.</summary>
    private async Task AttemptAsync(Attempt context, CancellationToken cancellationToken)
    {
        string device = context.Device;
        context.Retry = null;
        try
        {
            if (!_sysfs.DeviceExists(device))
            {
                Finish(context, AttachOutcome.DeviceNotFound, "device_gone", $"device {device} is not registered");
                return;
            }

            if (!_sysfs.IsUserDevice(device))
            {
                Finish(context, AttachOutcome.NotUserDevice, null, null);
                return;
            }

            if (_policy.Match(device) is not { } rule)
            {
                NoRule(context);
                return;
            }

            context.Rule = rule;
            SetStatus(device, s => s with
            {
                State = DeviceAttachState.Pending,
                Driver = rule.Driver,
                Target = rule.Target,
                Group = rule.Group,
                ReadOnly = rule.ReadOnly,
            });

            if (!_sysfs.TargetExists(rule.Driver, rule.Target))
            {
                Fail(context, "target_missing", $"target {rule.Driver}/{rule.Target} does not exist", retry: true);
                return;
            }

            if (rule.Group is not null && await _sysfs.CreateGroupAsync(rule.Driver, rule.Target, rule.Group, cancellationToken).ConfigureAwait(false))
            {
                LogGroupCreated(_logger, rule.Driver, rule.Target, rule.Group);
            }

            await AddLunAsync(context, rule, cancellationToken).ConfigureAwait(false);
        }
        catch (SysfsException e)
        {
            // A listing or a group creation failed; sysfs reads may also answer EAGAIN while management work runs.
            Fail(context, Reason(e.Errno), e.Message, retry: e.Errno is not (SysfsErrno.EINVAL or SysfsErrno.EACCES or SysfsErrno.EPERM));
        }
    }

    private async Task AddLunAsync(Attempt context, AttachRule rule, CancellationToken cancellationToken)
    {
        string device = context.Device;
        var table = new LunTable(rule.Driver, rule.Target, rule.Group);
        var conflicts = new HashSet<int>();
        while (true)
        {
            IReadOnlyDictionary<int, string> luns = _sysfs.ListLuns(rule.Driver, rule.Target, rule.Group);
            foreach ((int present, string holder) in luns)
            {
                if (holder == device)
                {
                    AlreadyThere(context, rule, table, present);
                    return;
                }
            }

            int lun;
            if (rule.FixedLun is int fixedLun)
            {
                if (luns.TryGetValue(fixedLun, out string? other))
                {
                    Fail(context, "lun_taken", $"LUN {fixedLun} of {table} holds {other}", retry: false);
                    return;
                }

                lun = fixedLun;
            }
            else if (ChooseAutoLun(device, table, luns, conflicts) is int chosen)
            {
                lun = chosen;
            }
            else
            {
                Fail(context, "no_free_lun", $"no free LUN number in {table}", retry: false);
                return;
            }

            context.Writes++;
            IncrementStatusAttempts(device);
            _metrics.Attempts.Add(1, new KeyValuePair<string, object?>("driver", rule.Driver));
            try
            {
                await _sysfs.AddLunAsync(rule.Driver, rule.Target, rule.Group, lun, device, rule.ReadOnly, cancellationToken).ConfigureAwait(false);
            }
            catch (SysfsWriteException e) when (e.Errno == SysfsErrno.EEXIST)
            {
                if (rule.FixedLun is not null)
                {
                    Fail(context, "lun_taken", $"LUN {lun} of {table} is taken: {e.Message}", retry: false);
                    return;
                }

                // Taken between our listing and our add (another writer, or a device that registered meanwhile):
                // the next free number, at once.
                _metrics.Failures.Add(1, new KeyValuePair<string, object?>("reason", "lun_taken"));
                conflicts.Add(lun);
                if (conflicts.Count > _options.MaxLunConflicts)
                {
                    Fail(context, "lun_taken", $"{conflicts.Count} LUN numbers of {table} were taken one after the other", retry: true);
                    return;
                }

                LogLunTaken(_logger, device, lun, table);
                continue;
            }
            catch (SysfsWriteException e) when (e.Errno == SysfsErrno.ENOENT && !_sysfs.DeviceExists(device))
            {
                Finish(context, AttachOutcome.DeviceNotFound, "device_gone", $"device {device} unregistered while its LUN was being added: {e.Message}");
                return;
            }
            catch (SysfsWriteException e)
            {
                // EINVAL is SCST refusing the command itself; repeating it cannot help. Everything else may pass.
                Fail(context, Reason(e.Errno), e.Message, retry: e.Errno is not (SysfsErrno.EINVAL or SysfsErrno.E2BIG or SysfsErrno.EACCES or SysfsErrno.EPERM));
                return;
            }

            bool hadLun0 = luns.ContainsKey(0) || lun == 0;
            _state.Set(new LunMapping
            {
                Device = device,
                Driver = rule.Driver,
                Target = rule.Target,
                Group = rule.Group,
                Lun = lun,
                ReadOnly = rule.ReadOnly,
                Added = true,
                UpdatedAt = DateTimeOffset.UtcNow,
            });
            SaveState();
            _metrics.Successes.Add(1, new KeyValuePair<string, object?>("driver", rule.Driver));
            LogAttached(_logger, device, table, lun, rule.ReadOnly);
            if (!hadLun0)
            {
                // Many initiators see nothing behind a target whose LUN set has no LUN 0 (§10.2).
                LogNoLun0(_logger, table, device, lun);
            }

            Finish(context, AttachOutcome.Attached, null, null, lun);
            return;
        }
    }

    /// <summary>
    /// The LUN for an <c>auto</c> rule: the number this device had in this table before, if free; otherwise LUN 0
    /// if free (a LUN set without LUN 0 is invisible to many initiators, which outweighs another device's claim on
    /// it); otherwise the lowest number that is free and not remembered for another device, so that devices coming
    /// back find their numbers. Numbers that just answered EEXIST are skipped.
    /// </summary>
    private int? ChooseAutoLun(string device, LunTable table, IReadOnlyDictionary<int, string> luns, HashSet<int> conflicts)
    {
        bool Free(int n) => !luns.ContainsKey(n) && !conflicts.Contains(n);

        if (_state.Find(device, table) is { } remembered && Free(remembered.Lun))
        {
            return remembered.Lun;
        }

        if (Free(0))
        {
            return 0;
        }

        HashSet<int> reserved = _state.ReservedByOthers(device, table);
        for (int n = 1; n <= ScstSysfs.MaxLun; n++)
        {
            if (Free(n) && !reserved.Contains(n))
            {
                return n;
            }
        }

        // Every unreserved number is taken: take a reserved one rather than none.
        for (int n = 1; n <= ScstSysfs.MaxLun; n++)
        {
            if (Free(n))
            {
                return n;
            }
        }

        return null;
    }

    private void AlreadyThere(Attempt context, AttachRule rule, LunTable table, int lun)
    {
        if (rule.FixedLun is int fixedLun && fixedLun != lun)
        {
            // Never a second LUN for one device in one table: the existing one stays, however it got there.
            LogElsewhere(_logger, context.Device, table, lun, fixedLun);
        }

        LunMapping? known = _state.Find(context.Device, table);
        bool changed = _state.Set(new LunMapping
        {
            Device = context.Device,
            Driver = rule.Driver,
            Target = rule.Target,
            Group = rule.Group,
            Lun = lun,
            ReadOnly = known?.Lun == lun ? known.ReadOnly : rule.ReadOnly,

            // Ours only if we added it at this number (before a restart, say); someone else's LUN is never deleted.
            Added = known is { Added: true } && known.Lun == lun,
            UpdatedAt = DateTimeOffset.UtcNow,
        });
        if (changed)
        {
            SaveState();
        }

        LogAlreadyAttached(_logger, context.Device, table, lun);
        Finish(context, AttachOutcome.AlreadyAttached, null, null, lun);
    }

    private void NoRule(Attempt context)
    {
        bool first;
        lock (_statusLock)
        {
            first = _unmatchedSeen.Add(context.Device);
        }

        if (first)
        {
            LogNoRule(_logger, context.Device);
            _metrics.Unmatched.Add(1);
        }

        Finish(context, AttachOutcome.NoMatchingRule, null, null);
    }

    private void Fail(Attempt context, string reason, string error, bool retry)
    {
        _metrics.Failures.Add(1, new KeyValuePair<string, object?>("reason", reason));
        if (retry)
        {
            context.Retry = new RetryReason(reason, error);
            SetStatus(context.Device, s => s with { State = DeviceAttachState.Pending, LastError = error, UpdatedAt = DateTimeOffset.UtcNow });
            return;
        }

        LogFailed(_logger, context.Device, error);
        Finish(context, AttachOutcome.Failed, reason, error);
    }

    private AttachResult Finish(Attempt context, AttachOutcome outcome, string? reason, string? error, int? lun = null)
    {
        AttachRule? rule = context.Rule;
        var result = new AttachResult
        {
            Device = context.Device,
            Outcome = outcome,
            Driver = rule?.Driver,
            Target = rule?.Target,
            Group = rule?.Group,
            Lun = lun,
            ReadOnly = rule?.ReadOnly ?? false,
            Attempts = context.Writes,
            Reason = reason,
            Error = error,
        };
        context.Final = result;

        DeviceAttachState state = outcome switch
        {
            AttachOutcome.Attached or AttachOutcome.AlreadyAttached => DeviceAttachState.Attached,
            AttachOutcome.NoMatchingRule => DeviceAttachState.Unmatched,
            AttachOutcome.NotUserDevice => DeviceAttachState.NotUserDevice,
            AttachOutcome.DeviceNotFound => DeviceAttachState.Gone,
            _ => DeviceAttachState.Failed,
        };
        SetStatus(context.Device, s => s with
        {
            State = state,
            Driver = rule?.Driver ?? s.Driver,
            Target = rule?.Target ?? s.Target,
            Group = rule is null ? s.Group : rule.Group,
            Lun = lun ?? (state == DeviceAttachState.Gone ? s.Lun : null),
            ReadOnly = rule?.ReadOnly ?? s.ReadOnly,
            LastError = error ?? (result.Succeeded ? null : s.LastError),
            UpdatedAt = DateTimeOffset.UtcNow,
        });
        return result;
    }

    private void SetStatus(string device, Func<DeviceAttachStatus, DeviceAttachStatus> update)
    {
        lock (_statusLock)
        {
            if (!_devices.TryGetValue(device, out DeviceAttachStatus? status))
            {
                status = new DeviceAttachStatus { Device = device, State = DeviceAttachState.Pending, UpdatedAt = DateTimeOffset.UtcNow };
            }

            _devices[device] = update(status);
        }
    }

    private void IncrementStatusAttempts(string device) => SetStatus(device, static s => s with { Attempts = s.Attempts + 1 });

    private void SaveState()
    {
        lock (_statusLock)
        {
            _mappings = [.. _state.Mappings];
        }

        try
        {
            _state.Save();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The LUN is there either way; only the number's stability across restarts is at stake.
            LogStateNotSaved(_logger, _options.StateFilePath ?? "", e.Message);
        }
    }

    /// <summary>One set-up step under the lock; false (and an entry in <paramref name="errors"/>) when it failed.</summary>
    private async Task<bool> SetUpAsync(List<string> errors, string what, Func<Task> step, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await step().ConfigureAwait(false);
            return true;
        }
        catch (SysfsException e)
        {
            errors.Add($"{what}: {e.Message}");
            LogSetupFailed(_logger, what, e.Message);
            return false;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Rewrites the scst.conf snapshot if what the agent manages changed. A failure is logged and kept in
    /// <see cref="AttachStatus.ConfigSnapshotError"/>; the LUNs are in place either way, and the next call tries again.
    /// </summary>
    private void WriteConfigSnapshot()
    {
        if (_snapshot is null)
        {
            return;
        }

        lock (_snapshotLock)
        {
            List<DeviceAttachStatus> devices;
            IReadOnlyList<AttachTarget> enabledTargets;
            IReadOnlyList<AttachGroup> readyGroups;
            lock (_statusLock)
            {
                devices = [.. _devices.Values];
                enabledTargets = _enabledTargets;
                readyGroups = _readyGroups;
            }

            string? error = null;
            try
            {
                string body = ScstConfSnapshot.Render(devices, enabledTargets, readyGroups, _sysfs.Files.Exists);
                if (_snapshot.Write(body, DateTimeOffset.UtcNow))
                {
                    LogSnapshotWritten(_logger, _snapshot.Path);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                error = $"{_snapshot.Path}: {e.Message}";
                LogSnapshotNotWritten(_logger, _snapshot.Path, e.Message);
            }

            lock (_statusLock)
            {
                _snapshotError = error;
            }
        }
    }

    /// <summary>The sessions of every target the policy names, read on a thread of its own (see <see cref="ReadStatusAsync"/>).</summary>
    private Task<SessionListing> StartSessionScan()
    {
        List<(string Driver, string Target)> targets =
        [
            .. _policy.Targets.Select(static t => (t.Driver, t.Target))
                .Concat(_policy.Groups.Select(static g => (g.Driver, g.Target)))
                .Concat(_policy.Rules.Select(static r => (r.Driver, r.Target)))
                .Distinct()
                .OrderBy(static t => t.Driver, StringComparer.Ordinal)
                .ThenBy(static t => t.Target, StringComparer.Ordinal),
        ];
        var done = new TaskCompletionSource<SessionListing>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            var sessions = new List<ScstSession>();
            var errors = new List<string>();
            foreach ((string driver, string target) in targets)
            {
                try
                {
                    SessionListing listing = _sysfs.ListSessions(driver, target);
                    sessions.AddRange(listing.Sessions);
                    errors.AddRange(listing.Errors);
                }
                catch (Exception e)
                {
                    // Whatever went wrong with one target, status still shows the others.
                    errors.Add($"sessions of {driver}/{target}: {e.Message}");
                }
            }

            done.SetResult(new SessionListing(sessions, errors));
        })
        {
            IsBackground = true,
            Name = "scst-sysfs-read",
        };
        thread.Start();
        return done.Task;
    }

    private static string Reason(SysfsErrno errno) => errno == SysfsErrno.ETIMEDOUT
        ? "timeout"
        : (Enum.IsDefined(errno) ? errno.ToString() : "errno_" + ((int)errno).ToString(CultureInfo.InvariantCulture)).ToLowerInvariant();

    /// <summary>One reconcile call's progress across rounds.</summary>
    private sealed class Attempt(string device)
    {
        public string Device { get; } = device;

        public AttachRule? Rule { get; set; }

        public int Writes { get; set; }

        public RetryReason? Retry { get; set; }

        public AttachResult? Final { get; set; }
    }

    private sealed record RetryReason(string Reason, string Error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Device {Device} matches no attach rule; it is left alone")]
    private static partial void LogNoRule(ILogger logger, string device);

    [LoggerMessage(Level = LogLevel.Information, Message = "Device {Device} attached to {Table} as LUN {Lun} (read-only {ReadOnly})")]
    private static partial void LogAttached(ILogger logger, string device, LunTable table, int lun, bool readOnly);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Device {Device} is LUN {Lun} of {Table} already")]
    private static partial void LogAlreadyAttached(ILogger logger, string device, LunTable table, int lun);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Device {Device} is LUN {Lun} of {Table}, not LUN {Wanted} as its rule says; left as it is")]
    private static partial void LogElsewhere(ILogger logger, string device, LunTable table, int lun, int wanted);

    [LoggerMessage(Level = LogLevel.Information, Message = "LUN {Lun} of {Table} was taken before device {Device} could have it; trying the next free number")]
    private static partial void LogLunTaken(ILogger logger, string device, int lun, LunTable table);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Attaching device {Device} failed: {Error}; retrying in {DelayMs} ms")]
    private static partial void LogRetrying(ILogger logger, string device, string error, double delayMs);

    [LoggerMessage(Level = LogLevel.Error, Message = "Attaching device {Device} failed after {Attempts} attempts: {Error}")]
    private static partial void LogGaveUp(ILogger logger, string device, int attempts, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Attaching device {Device} failed: {Error}")]
    private static partial void LogFailed(ILogger logger, string device, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Table} has no LUN 0 after adding device {Device} as LUN {Lun}; many initiators will see no LUNs until it has one")]
    private static partial void LogNoLun0(ILogger logger, LunTable table, string device, int lun);

    [LoggerMessage(Level = LogLevel.Information, Message = "Created security group {Driver}/{Target}/{Group} for an attach rule")]
    private static partial void LogGroupCreated(ILogger logger, string driver, string target, string group);

    [LoggerMessage(Level = LogLevel.Information, Message = "Device {Device} is gone; forgot LUN {Lun} of {Table} (deleted by the agent: {Deleted}), keeping the number for its return")]
    private static partial void LogStale(ILogger logger, string device, LunTable table, int lun, bool deleted);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Device {Device} is gone but LUN {Lun} of {Table} could not be checked or deleted: {Error}")]
    private static partial void LogStaleNotRemoved(ILogger logger, string device, LunTable table, int lun, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Attach agent set-up step failed: {What}: {Error}")]
    private static partial void LogSetupFailed(ILogger logger, string what, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Attach state file {Path} is unreadable ({Error}); moved aside, starting without remembered LUN numbers")]
    private static partial void LogStateCorrupt(ILogger logger, string path, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Attach state file {Path} could not be saved: {Error}")]
    private static partial void LogStateNotSaved(ILogger logger, string path, string error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Wrote the scst.conf snapshot {Path}")]
    private static partial void LogSnapshotWritten(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The scst.conf snapshot {Path} could not be written: {Error}")]
    private static partial void LogSnapshotNotWritten(ILogger logger, string path, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sessions left out of the status: sysfs has not answered for {Seconds:0.#} s")]
    private static partial void LogSessionsTimedOut(ILogger logger, double seconds);
}
