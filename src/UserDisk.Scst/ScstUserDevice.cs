using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Logging;
using UserDisk.Scsi;
using UserDisk.Scst.Interop;

namespace UserDisk.Scst;

/// <summary>
/// One virtual SCSI device registered on /dev/scst_user and served by dedicated worker threads
/// (ABI-SCST-USER.md §8; DESIGN.md "The scst_user front end"). One fd per device; registration with STANDARD parse,
/// memory reuse ALL and unrestricted reordering; the engine's <see cref="LogicalUnit"/> answers every EXEC.
/// </summary>
/// <remarks>
/// Lifetime: <see cref="Register"/> opens and registers, <see cref="Start"/> starts the workers (at once: the kernel
/// gives ATTACH_SESS 5 s, §8.1), <see cref="StopAsync"/> drains and closes (§8.10). A worker that meets an error it
/// cannot serve through (the fd went bad, a bug) takes the whole device down on purpose and raises
/// <see cref="Faulted"/>: a half-alive device would stall SCST management, a closed one is cleaned up by the kernel.
/// </remarks>
public sealed partial class ScstUserDevice : IAsyncDisposable
{
    /// <summary>What REGISTER_DEVICE carries as license_str; the kernel accepts only GPL-compatible strings (§3.4).</summary>
    public const string License = "GPL";

    private const int RegistrationStringBytes = 128;

    private readonly ScstDeviceCalls _calls;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<ulong, ScstSession> _sessions = new();
    private readonly ConcurrentDictionary<uint, ScstCommand> _waiting = new();
    private readonly ConcurrentQueue<ScstCommand> _completions = new();
    private readonly List<ScstWorker> _workers = [];
    private readonly ScstCommandPool _commandPool;
    private readonly EventHandler<CapacityChangedEventArgs> _onCapacityChanged;
    private readonly Lock _stateLock = new();
    private readonly Lock _optionsLock = new();
    private int _pushedControlMode;
    private int _fd = -1;
    private int _wakeFd = -1;
    private volatile bool _stopRequested;
    private volatile bool _exitRequested;
    private int _faulted;
    private long _commandsInHandler;

    internal ScstUserDevice(ScstDeviceOptions options, LogicalUnit logicalUnit, ScstDeviceCalls calls, ILogger logger, ScstMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logicalUnit);
        options.Validate();
        if (logicalUnit.Options.ReservationsByEngine || logicalUnit.Options.UnitAttentionsByEngine)
        {
            throw new ArgumentException("Under SCST the core owns reservations and unit attentions: build the logical unit with ReservationsByEngine = false and UnitAttentionsByEngine = false (ABI-SCST-USER.md §13.1).", nameof(logicalUnit));
        }

        Options = options;
        LogicalUnit = logicalUnit;
        _calls = calls;
        _logger = logger;
        Metrics = metrics ?? new ScstMetrics();
        Buffers = new ScstBufferPool();
        _commandPool = new ScstCommandPool(this);
        _onCapacityChanged = (_, _) => TellCapacityChanged();
        logicalUnit.CapacityChanged += _onCapacityChanged;
    }

    public ScstDeviceOptions Options { get; }

    public string Name => Options.Name;

    public LogicalUnit LogicalUnit { get; }

    /// <summary>The nexuses SCST has attached now.</summary>
    public ICollection<ScstSession> Sessions => _sessions.Values;

    /// <summary>Raised once, from a worker, when the device went down because its loop could not go on.</summary>
    public event EventHandler<ScstDeviceFaultedEventArgs>? Faulted;

    /// <summary>True from registration until the fd is closed.</summary>
    public bool IsRegistered => Volatile.Read(ref _fd) >= 0;

    /// <summary>The reason the device went down, if it faulted.</summary>
    public string? FaultReason { get; private set; }

    internal ScstMetrics Metrics { get; }

    /// <summary>Managed bytes the worker threads have allocated so far.</summary>
    internal long WorkerAllocatedBytes
    {
        get
        {
            lock (_stateLock)
            {
                long total = 0;
                foreach (var worker in _workers)
                {
                    total += worker.AllocatedBytes;
                }

                return total;
            }
        }
    }

    internal ScstBufferPool Buffers { get; }

    internal ScstDeviceCalls Calls => _calls;

    internal int Fd => _fd;

    internal int WakeFd => _wakeFd;

    internal bool StopRequested => _stopRequested;

    internal bool ExitRequested => _exitRequested;

    internal ILogger Logger => _logger;

    /// <summary>
    /// Opens /dev/scst_user non-blocking and registers the device (§8.1). Throws <see cref="ScstRegistrationException"/>
    /// with the kernel's errno and what it means when the kernel refuses.
    /// </summary>
    public unsafe void Register(string versionString, string devicePath = "/dev/scst_user")
    {
        ArgumentException.ThrowIfNullOrEmpty(versionString);
        if (Encoding.ASCII.GetByteCount(versionString) >= RegistrationStringBytes)
        {
            throw new ScstRegistrationException(Name, Errno.EINVAL, $"version string '{versionString}' is longer than {RegistrationStringBytes - 1} bytes");
        }

        lock (_stateLock)
        {
            if (_fd >= 0)
            {
                throw new InvalidOperationException($"SCST device '{Name}' is already registered.");
            }

            // Non-blocking: a blocking combined get/reply call can replay a reply after a signal (§8.4).
            int fd = _calls.Open(devicePath, Libc.O_RDWR | Libc.O_NONBLOCK | Libc.O_CLOEXEC, out var openError);
            if (fd < 0)
            {
                throw new ScstRegistrationException(Name, openError, openError switch
                {
                    Errno.ENOENT => $"{devicePath} does not exist: load the scst_user module (modprobe scst_user)",
                    Errno.EACCES or Errno.EPERM => $"no permission to open {devicePath}: run as root or give the container the device",
                    _ => $"cannot open {devicePath}",
                });
            }

            // The kernel copies a fixed len(version)+1 bytes from both pointers (§3.4): zero-padded 128-byte buffers.
            byte* version = stackalloc byte[RegistrationStringBytes];
            byte* license = stackalloc byte[RegistrationStringBytes];
            new Span<byte>(version, RegistrationStringBytes).Clear();
            new Span<byte>(license, RegistrationStringBytes).Clear();
            Encoding.ASCII.GetBytes(versionString, new Span<byte>(version, RegistrationStringBytes - 1));
            Encoding.ASCII.GetBytes(License, new Span<byte>(license, RegistrationStringBytes - 1));

            ScstUserDeviceDescriptor descriptor = default;
            descriptor.VersionString = (ulong)version;
            descriptor.LicenseString = (ulong)license;
            descriptor.DeviceType = 0; // direct-access block device
            descriptor.SgvPurgeInterval = Options.CachePurgeIntervalSeconds;
            descriptor.Options = RegistrationOptions();
            _pushedControlMode = (LogicalUnit.Mode.DescriptorSense ? 1 : 0) | (LogicalUnit.Mode.SoftwareWriteProtect ? 2 : 0) | (LogicalUnit.Mode.TaskAbortedStatus ? 4 : 0);
            descriptor.BlockSize = (uint)LogicalUnit.BlockSize;
            var name = new Span<byte>(descriptor.Name, ScstLimits.MaxName);
            Encoding.ASCII.GetBytes(Name, name);

            var error = _calls.Ioctl(fd, ScstUserIoctl.RegisterDevice, &descriptor);
            if (error != Errno.None)
            {
                _calls.Close(fd);
                throw new ScstRegistrationException(Name, error, DescribeRegistrationError(error, versionString));
            }

            _fd = fd;
            _wakeFd = Libc.EventFd(0, Libc.EFD_NONBLOCK | Libc.EFD_CLOEXEC);
            if (_wakeFd < 0)
            {
                var wakeError = Libc.LastErrno();
                _calls.Close(fd);
                _fd = -1;
                throw new ScstRegistrationException(Name, wakeError, "cannot create the workers' eventfd");
            }

            _stopRequested = false;
            _exitRequested = false;
            Metrics.Track(this);
            Volatile.Write(ref _faulted, 0);
            FaultReason = null;
            LogRegistered(_logger, Name, LogicalUnit.BlockSize, LogicalUnit.BlockCount, _calls.Description);
        }

        Preallocate();
    }

    /// <summary>Starts the worker threads. Call right after <see cref="Register"/>: nothing progresses without them.</summary>
    public void Start()
    {
        lock (_stateLock)
        {
            if (_fd < 0)
            {
                throw new InvalidOperationException($"SCST device '{Name}' is not registered.");
            }

            if (_workers.Count > 0)
            {
                return;
            }

            for (int i = 0; i < Options.WorkerThreads; i++)
            {
                var worker = new ScstWorker(this, i);
                _workers.Add(worker);
                worker.Start();
            }
        }
    }

    /// <summary>
    /// Clean shutdown (§8.10): keep serving until the commands the handler holds are answered (at most
    /// <see cref="ScstDeviceOptions.DrainTimeout"/>), FLUSH_CACHE so the kernel hands back every cached buffer while
    /// the workers still serve, stop the workers, close the fd (the kernel unregisters the device and removes its
    /// LUNs), then unmap the buffers.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (!IsRegistered)
        {
            return;
        }

        _stopRequested = true;
        Wake();
        var deadline = DateTime.UtcNow + Options.DrainTimeout;
        while (Interlocked.Read(ref _commandsInHandler) > 0 && DateTime.UtcNow < deadline && !cancellationToken.IsCancellationRequested && Volatile.Read(ref _faulted) == 0)
        {
            await Task.Delay(10, CancellationToken.None).ConfigureAwait(false);
        }

        if (Interlocked.Read(ref _commandsInHandler) > 0)
        {
            LogDrainTimedOut(_logger, Name, Interlocked.Read(ref _commandsInHandler));
        }

        if (Volatile.Read(ref _faulted) == 0)
        {
            // Another thread must keep serving while FLUSH_CACHE waits for the ON_CACHED_MEM_FREE replies (§4).
            await Task.Factory.StartNew(FlushCache, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).ConfigureAwait(false);
        }

        Shutdown();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        LogicalUnit.CapacityChanged -= _onCapacityChanged;
        Metrics.Untrack(this);
        Buffers.Dispose();
        _commandPool.Dispose();
    }

    /// <summary>
    /// Re-measures the backstore; if it grew, SCST is told with DEVICE_CAPACITY_CHANGED and raises CAPACITY DATA HAS
    /// CHANGED to every session (§8.9). Whoever refreshes the unit's capacity triggers the same.
    /// </summary>
    public bool NotifyCapacityChanged() => LogicalUnit.RefreshCapacity();

    private unsafe void TellCapacityChanged()
    {
        int fd = _fd;
        if (fd < 0)
        {
            return;
        }

        var error = _calls.Ioctl(fd, ScstUserIoctl.DeviceCapacityChanged, null);
        if (error != Errno.None)
        {
            LogIoctlFailed(_logger, Name, "DEVICE_CAPACITY_CHANGED", error);
        }
        else
        {
            LogCapacityChanged(_logger, Name, LogicalUnit.BlockCount);
        }
    }

    private unsafe void FlushCache()
    {
        int fd = _fd;
        if (fd < 0)
        {
            return;
        }

        var error = _calls.Ioctl(fd, ScstUserIoctl.FlushCache, null);
        if (error != Errno.None)
        {
            LogIoctlFailed(_logger, Name, "FLUSH_CACHE", error);
        }
    }

    private void Shutdown()
    {
        List<ScstWorker> workers;
        lock (_stateLock)
        {
            _stopRequested = true;
            _exitRequested = true;
            workers = [.. _workers];
            _workers.Clear();
        }

        Wake();
        foreach (var worker in workers)
        {
            if (worker.Thread != Thread.CurrentThread)
            {
                worker.Thread.Join();
            }
        }

        lock (_stateLock)
        {
            if (_fd >= 0)
            {
                _calls.Close(_fd);
                _fd = -1;
                LogUnregistered(_logger, Name);
            }

            if (_wakeFd >= 0)
            {
                Libc.Close(_wakeFd);
                _wakeFd = -1;
            }
        }

        foreach (var session in _sessions.Values)
        {
            LogicalUnit.RemoveNexus(session.Nexus);
        }

        _sessions.Clear();
        foreach (var worker in workers)
        {
            worker.Dispose();
        }

        // Commands still waiting on the backstore finish into nothing: the kernel force-completed them on close.
        foreach (var command in _waiting.Values)
        {
            command.Cancel();
        }
    }

    /// <summary>
    /// Takes the device down because a worker cannot go on: workers stop, the fd closes (the kernel fails what it
    /// had sent us and removes the LUNs), and <see cref="Faulted"/> tells the owner, who may register it again.
    /// </summary>
    internal void Fault(string reason, Exception? exception = null)
    {
        if (Interlocked.Exchange(ref _faulted, 1) != 0)
        {
            return;
        }

        FaultReason = reason;
        Metrics.Faults.Add(1, new KeyValuePair<string, object?>("device", Name));
        LogFaulted(_logger, exception, Name, reason);
        // Off the faulting worker: Shutdown joins the workers.
        ThreadPool.UnsafeQueueUserWorkItem(_ =>
        {
            Shutdown();
            Faulted?.Invoke(this, new ScstDeviceFaultedEventArgs(Name, reason, exception));
        }, null);
    }

    internal void ReportUnexpected(Exception e) => LogUnexpected(_logger, e, Name);

    internal unsafe void Wake()
    {
        int fd = _wakeFd;
        if (fd >= 0)
        {
            ulong one = 1;
            _ = Libc.Write(fd, &one, sizeof(ulong));
        }
    }

    internal unsafe void ResetWake()
    {
        ulong value;
        _ = Libc.Read(_wakeFd, &value, sizeof(ulong));
    }

    internal void EnqueueCompletion(ScstCommand command)
    {
        _completions.Enqueue(command);
        Wake();
    }

    internal bool TryDequeueCompletion(out ScstCommand command) => _completions.TryDequeue(out command!);

    internal bool HasCompletions => !_completions.IsEmpty;

    internal ScstCommand RentCommand()
    {
        var command = _commandPool.Rent();
        Interlocked.Increment(ref _commandsInHandler);
        return command;
    }

    internal void ReturnCommand(ScstCommand command)
    {
        Interlocked.Decrement(ref _commandsInHandler);
        command.Reset();
        _commandPool.Return(command);
    }

    internal void TrackWaiting(ScstCommand command) => _waiting[command.Handle] = command;

    internal void UntrackWaiting(ScstCommand command) => _waiting.TryRemove(new KeyValuePair<uint, ScstCommand>(command.Handle, command));

    /// <summary>ATTACH_SESS: a nexus for the engine; a handle the kernel reuses replaces the old session (§16).</summary>
    internal unsafe int Attach(in ScstUserSession session)
    {
        string initiator;
        string target;
        fixed (byte* initiatorName = session.InitiatorName)
        fixed (byte* targetName = session.TargetName)
        {
            initiator = ReadName(initiatorName);
            target = ReadName(targetName);
        }

        ItNexus nexus;
        try
        {
            nexus = new ItNexus(initiator.Length > 0 ? initiator : "unknown-initiator", target.Length > 0 ? target : "unknown-target");
        }
        catch (ArgumentException)
        {
            // Not an iSCSI name (an FC WWPN, a scst_local session): reservations are the core's under SCST, so the
            // engine only needs a stable identity for the nexus.
            nexus = new ItNexus($"scst:{initiator}", $"scst:{target}");
        }

        var attached = new ScstSession(session.SessionHandle, session.Lun, session.ReadOnly != 0, initiator, target, nexus);
        bool replaces = _sessions.TryGetValue(session.SessionHandle, out var previous);
        if (replaces)
        {
            // A handle the kernel reused without a DETACH we saw (a late attach reply, §8.5): the old nexus is gone.
            LogicalUnit.RemoveNexus(previous!.Nexus);
        }

        _sessions[session.SessionHandle] = attached;
        if (!replaces)
        {
            Metrics.Sessions.Add(1, new KeyValuePair<string, object?>("device", Name));
        }

        LogAttached(_logger, Name, attached);
        return 0;
    }

    /// <summary>DETACH_SESS: nexus loss for the engine.</summary>
    internal void Detach(ulong handle)
    {
        if (_sessions.TryRemove(handle, out var session))
        {
            LogicalUnit.RemoveNexus(session.Nexus);
            Metrics.Sessions.Add(-1, new KeyValuePair<string, object?>("device", Name));
            LogDetached(_logger, Name, session);
        }
    }

    internal ScstSession? FindSession(ulong handle) => _sessions.TryGetValue(handle, out var session) ? session : null;

    /// <summary>
    /// The nexus for an EXEC whose session the handler never saw attach (the attach reply came too late for the
    /// kernel, §8.5): one is made so the command is still served.
    /// </summary>
    internal ScstSession AdoptSession(ulong handle)
    {
        var session = new ScstSession(handle, 0, false, $"scst-session-{handle:x}", Name, new ItNexus($"scst:session-{handle:x}", $"scst:{Name}"));
        return _sessions.GetOrAdd(handle, session);
    }

    /// <summary>TASK_MGMT_RECEIVED (§8.8): commands still on the backstore stop waiting where they can.</summary>
    internal void AbortWaiting(ScstTaskManagementFunction function, ulong sessionHandle, uint handleToAbort)
    {
        foreach (var command in _waiting.Values)
        {
            bool affected = function switch
            {
                ScstTaskManagementFunction.AbortTask => command.Handle == handleToAbort && command.SessionHandle == sessionHandle,
                ScstTaskManagementFunction.AbortTaskSet or ScstTaskManagementFunction.ClearTaskSet
                    or ScstTaskManagementFunction.NexusLossSession or ScstTaskManagementFunction.AbortAllTasksSession
                    or ScstTaskManagementFunction.UnregisterSession => command.SessionHandle == sessionHandle,
                _ => true,
            };
            if (affected)
            {
                command.Cancel();
            }
        }
    }

    /// <summary>TASK_MGMT_DONE (§8.5): a reset's own effects, as vdisk applies them.</summary>
    internal void ApplyTaskManagement(ScstTaskManagementFunction function)
    {
        if (function is ScstTaskManagementFunction.LunReset or ScstTaskManagementFunction.TargetReset or ScstTaskManagementFunction.PersistentReservationAbortAll)
        {
            // PREVENT ALLOW and SPC-2 state; the unit attentions are the core's.
            LogicalUnit.Reset();
        }
    }

    /// <summary>
    /// After a MODE SELECT: the core keeps its own copy of the control mode page (D_SENSE, SWP, TAS) and acts on it
    /// (§8.1), so a change the engine accepted is pushed with SET_OPTIONS — from the thread pool, never from a worker,
    /// because SET_OPTIONS waits for all activity on the device to drain (§8.9).
    /// </summary>
    internal void ModeSelected()
    {
        var mode = LogicalUnit.Mode;
        int wanted = (mode.DescriptorSense ? 1 : 0) | (mode.SoftwareWriteProtect ? 2 : 0) | (mode.TaskAbortedStatus ? 4 : 0);
        if (Interlocked.Exchange(ref _pushedControlMode, wanted) == wanted)
        {
            return;
        }

        ThreadPool.UnsafeQueueUserWorkItem(static device => device.PushOptions(), this, preferLocal: false);
    }

    private unsafe void PushOptions()
    {
        lock (_optionsLock)
        {
            int fd = _fd;
            if (fd < 0)
            {
                return;
            }

            var options = RegistrationOptions();
            var error = _calls.Ioctl(fd, ScstUserIoctl.SetOptions, &options);
            if (error != Errno.None)
            {
                LogIoctlFailed(_logger, Name, "SET_OPTIONS", error);
            }
        }
    }

    private ScstUserOptions RegistrationOptions() => new()
    {
        ParseType = (byte)ScstUserParseType.Standard,
        OnFreeCommandType = (byte)(Options.NotifyOnFree ? ScstUserOnFreeCommandType.Call : ScstUserOnFreeCommandType.Ignore),
        MemoryReuseType = (byte)ScstUserMemoryReuseType.ReuseAll,
        PartialTransfersType = 0,
        TaskSetType = (byte)ScstTaskSetType.SeparateTaskSets,
        QueueAlgorithm = (byte)ScstQueueAlgorithm.UnrestrictedReorder,
        QueueErrorPolicy = 0,
        TaskAbortedStatus = (byte)(LogicalUnit.Mode.TaskAbortedStatus ? 1 : 0),
        SoftwareWriteProtect = (byte)(LogicalUnit.Mode.SoftwareWriteProtect ? 1 : 0),
        DescriptorSense = (byte)(LogicalUnit.Mode.DescriptorSense ? ScstSenseFormat.Descriptor : ScstSenseFormat.Fixed),
        HasOwnOrderManagement = 0,
    };

    private unsafe void Preallocate()
    {
        for (int i = 0; i < Options.PreallocateBuffers; i++)
        {
            // Into both pools: SCST picks the clustered or the normal one per session (§8.6).
            for (byte clustered = 0; clustered <= 1; clustered++)
            {
                var buffer = Buffers.Rent(Options.PreallocateBufferBytes);
                if (buffer is null)
                {
                    return;
                }

                ScstUserPreallocBuffer request = default;
                request.In.Buffer = buffer.Address;
                request.In.BufferLength = (uint)buffer.Length;
                request.In.ForClusteredPool = clustered;
                var error = _calls.Ioctl(_fd, ScstUserIoctl.PreallocBuffer, &request);
                if (error != Errno.None)
                {
                    Buffers.Return(buffer);
                    LogIoctlFailed(_logger, Name, "PREALLOC_BUFFER", error);
                    return;
                }

                Buffers.HandToKernel(buffer);
            }
        }
    }

    private static string DescribeRegistrationError(Errno error, string versionString) => error switch
    {
        Errno.EINVAL => $"the kernel refused the registration (EINVAL): most often the version string does not match the loaded scst_user module. UserDisk sent '{versionString}'; the kernel log (dmesg) prints the string it expects. Also possible: a bad block size, option or name",
        Errno.EPERM => $"the kernel refused the license string '{License}' (EPERM)",
        Errno.EEXIST => "an SCST device or handler with this name already exists (EEXIST)",
        Errno.ENOMEM => "the kernel is out of memory (ENOMEM)",
        Errno.ETXTBSY => "the scst_user module is being unloaded (ETXTBSY)",
        _ => $"REGISTER_DEVICE failed: {Libc.Describe(error)}",
    };

    private static unsafe string ReadName(byte* name)
    {
        var span = new ReadOnlySpan<byte>(name, ScstLimits.MaxExternalName);
        int end = span.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? span : span[..end]);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "SCST device {Device} registered: {BlockSize}-byte blocks, {Blocks} blocks, through {Calls}")]
    private static partial void LogRegistered(ILogger logger, string device, int blockSize, long blocks, string calls);

    [LoggerMessage(Level = LogLevel.Information, Message = "SCST device {Device}: capacity now {Blocks} blocks; SCST told")]
    private static partial void LogCapacityChanged(ILogger logger, string device, long blocks);

    [LoggerMessage(Level = LogLevel.Information, Message = "SCST device {Device} unregistered")]
    private static partial void LogUnregistered(ILogger logger, string device);

    [LoggerMessage(Level = LogLevel.Information, Message = "SCST device {Device}: session attached {Session}")]
    private static partial void LogAttached(ILogger logger, string device, ScstSession session);

    [LoggerMessage(Level = LogLevel.Information, Message = "SCST device {Device}: session detached {Session}")]
    private static partial void LogDetached(ILogger logger, string device, ScstSession session);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SCST device {Device}: {Ioctl} failed: {Error}")]
    private static partial void LogIoctlFailed(ILogger logger, string device, string ioctl, Errno error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SCST device {Device}: {Count} commands still in flight after the drain timeout; closing anyway")]
    private static partial void LogDrainTimedOut(ILogger logger, string device, long count);

    [LoggerMessage(Level = LogLevel.Critical, Message = "SCST device {Device} taken down: {Reason}")]
    private static partial void LogFaulted(ILogger logger, Exception? exception, string device, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "SCST device {Device}: unexpected failure completing a command")]
    private static partial void LogUnexpected(ILogger logger, Exception exception, string device);
}

/// <summary>Why a device went down (see <see cref="ScstUserDevice.Faulted"/>).</summary>
public sealed class ScstDeviceFaultedEventArgs(string device, string reason, Exception? exception) : EventArgs
{
    public string Device { get; } = device;

    public string Reason { get; } = reason;

    public Exception? Exception { get; } = exception;
}
