using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace UserDisk.Platform.Sysfs;

/// <summary>
/// SCST's sysfs management (ABI-SCST-USER.md §10) over an <see cref="ISysfsFiles"/>: listing devices, targets,
/// groups, LUN tables and sessions, and the management commands, each written with <see cref="ExecuteMgmtAsync"/> so
/// that every write is bounded in time and a queued command (EAGAIN) is followed to its result.
/// </summary>
/// <remarks>Not synchronised: SCST runs management work one command at a time, and so should its callers.</remarks>
public sealed partial class ScstSysfs
{
    /// <summary>The largest LUN number a LUN table accepts (§10.2).</summary>
    public const int MaxLun = 16383;

    /// <summary>Global attribute with the result of the last queued management command (§10.5).</summary>
    public const string LastMgmtResultPath = "last_sysfs_mgmt_res";

    private const string KeyMarker = "[key]";

    private readonly ILogger _logger;
    private int _hungWrites;

    public ScstSysfs(ISysfsFiles files, ScstSysfsOptions? options = null, ILogger<ScstSysfs>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(files);
        Files = files;
        Options = options ?? new ScstSysfsOptions();
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    public ISysfsFiles Files { get; }

    public ScstSysfsOptions Options { get; }

    /// <summary>
    /// Writes given up on (past <see cref="ScstSysfsOptions.WriteTimeout"/>, or cancelled) that still block a thread
    /// in the kernel (a write(2) cannot be cancelled); each one may still take effect when it returns.
    /// </summary>
    public int HungWrites => Volatile.Read(ref _hungWrites);

    public static string TargetPath(string driver, string target) => $"targets/{CheckName(driver, nameof(driver))}/{CheckName(target, nameof(target))}";

    public static string GroupPath(string driver, string target, string group) => $"{TargetPath(driver, target)}/ini_groups/{CheckName(group, nameof(group))}";

    /// <summary>The target's default LUN table, or the group's when <paramref name="group"/> is set (§10.2, §10.3).</summary>
    public static string LunTablePath(string driver, string target, string? group) =>
        group is null ? $"{TargetPath(driver, target)}/luns" : $"{GroupPath(driver, target, group)}/luns";

    /// <summary>The names under <c>devices/</c>: every SCST device, user-space or not.</summary>
    public IReadOnlyList<string> ListDevices() => Files.Exists("devices") ? Files.List("devices") : [];

    public bool DeviceExists(string device) => Files.Exists($"devices/{CheckName(device, nameof(device))}");

    /// <summary>
    /// True for a device registered through scst_user: REGISTER creates a pseudo handler named like the device, so
    /// <c>devices/&lt;dev&gt;/handler</c> leads to <c>handlers/&lt;dev&gt;</c>, and only user devices have the
    /// <c>commands</c> attribute (§9.4, §10.1). vdisk devices also raise the registration event and fail this.
    /// </summary>
    public bool IsUserDevice(string device)
    {
        string dir = $"devices/{CheckName(device, nameof(device))}";
        if (!Files.Exists($"{dir}/commands") || !Files.Exists($"handlers/{device}"))
        {
            return false;
        }

        try
        {
            return !Files.Exists($"{dir}/handler") || LastSegment(Files.Read($"{dir}/handler")) == device;
        }
        catch (SysfsException e) when (e.Errno == SysfsErrno.ENOENT)
        {
            return false; // unregistered while we looked
        }
    }

    public bool TargetExists(string driver, string target) => Files.Exists(TargetPath(driver, target));

    public bool GroupExists(string driver, string target, string group) => Files.Exists(GroupPath(driver, target, group));

    /// <summary>The initiator names and patterns of a group (the entries of its <c>initiators/</c> besides <c>mgmt</c>).</summary>
    public IReadOnlyList<string> ListInitiators(string driver, string target, string group) =>
        [.. Files.List($"{GroupPath(driver, target, group)}/initiators").Where(static n => n != "mgmt")];

    /// <summary>
    /// The LUN table: LUN number → device name. On a real host <c>luns/&lt;N&gt;/device</c> is a symbolic link to
    /// <c>../../../../../devices/&lt;dev&gt;</c>, read as its target's last segment; a modelled tree may hold a file
    /// with the name instead, which reads the same way. Empty when the table does not exist.
    /// </summary>
    public IReadOnlyDictionary<int, string> ListLuns(string driver, string target, string? group = null)
    {
        string table = LunTablePath(driver, target, group);
        var luns = new SortedDictionary<int, string>();
        if (!Files.Exists(table))
        {
            return luns;
        }

        foreach (string entry in Files.List(table))
        {
            if (!int.TryParse(entry, NumberStyles.None, CultureInfo.InvariantCulture, out int lun))
            {
                continue; // mgmt
            }

            try
            {
                string device = LastSegment(ReadAttribute($"{table}/{entry}/device"));
                if (device.Length > 0)
                {
                    luns[lun] = device;
                }
            }
            catch (SysfsException e) when (e.Errno == SysfsErrno.ENOENT)
            {
                // Deleted while we listed (its device unregistered).
            }
        }

        return luns;
    }

    /// <summary>
    /// The sessions of a target, from <c>sessions/&lt;name&gt;/</c> (§10.1), in name order; none when the target or
    /// its <c>sessions/</c> does not exist. Sessions come and go while this reads (an initiator logs out): one that
    /// vanished is left out. Missing attributes leave their field null; any other failed read does too and is listed
    /// in <see cref="SessionListing.Errors"/>. These are plain reads, not bounded in time here: <c>active_commands</c>
    /// goes through SCST's management worker and can block for up to 15 s before answering EAGAIN (§10.5), so callers
    /// run this on a thread of their own with a time limit (<see cref="Attach.AttachManager.ReadStatusAsync"/>).
    /// </summary>
    public SessionListing ListSessions(string driver, string target)
    {
        string directory = $"{TargetPath(driver, target)}/sessions";
        var errors = new List<string>();
        IReadOnlyList<string> names;
        try
        {
            if (!Files.Exists(directory))
            {
                return SessionListing.Empty;
            }

            names = Files.List(directory);
        }
        catch (SysfsException e) when (e.Errno == SysfsErrno.ENOENT)
        {
            return SessionListing.Empty; // the target went away
        }
        catch (SysfsException e)
        {
            return new SessionListing([], [$"{directory}: {e.Message}"]);
        }

        var sessions = new List<ScstSession>();
        foreach (string name in names.Order(StringComparer.Ordinal))
        {
            string path = $"{directory}/{name}";
            IReadOnlyList<string> entries;
            try
            {
                entries = Files.List(path);
            }
            catch (SysfsException e) when (e.Errno is SysfsErrno.ENOENT or SysfsErrno.ENOTDIR)
            {
                continue; // logged out meanwhile, or not a session
            }
            catch (SysfsException e)
            {
                errors.Add($"{path}: {e.Message}");
                continue;
            }

            string? Attribute(string attribute)
            {
                if (!entries.Contains(attribute, StringComparer.Ordinal))
                {
                    return null;
                }

                try
                {
                    return ReadAttribute($"{path}/{attribute}");
                }
                catch (SysfsException e) when (e.Errno == SysfsErrno.ENOENT)
                {
                    return null; // the session ended while we read it
                }
                catch (SysfsException e)
                {
                    errors.Add($"{path}/{attribute}: {SysfsException.Describe(e.Errno)}");
                    return null;
                }
            }

            long? Counter(string attribute) =>
                long.TryParse(Attribute(attribute), NumberStyles.None, CultureInfo.InvariantCulture, out long value) ? value : null;

            string? initiator = Attribute("initiator_name");
            sessions.Add(new ScstSession
            {
                Driver = driver,
                Target = target,
                Session = name,

                // SCST names the directory after the initiator, so the name stands in when the attribute is unreadable.
                Initiator = string.IsNullOrEmpty(initiator) ? name : initiator,
                Group = Attribute("luns") is { } luns ? GroupOfLunTable(luns) : null,
                Luns = [.. entries.Select(SessionLun).OfType<int>().Order()],
                ActiveCommands = Counter("active_commands"),
                Commands = Counter("commands"),
                ReadCommands = Counter("read_cmd_count"),
                WriteCommands = Counter("write_cmd_count"),
                ReadKiB = Counter("read_io_count_kb"),
                WriteKiB = Counter("write_io_count_kb"),
            });
        }

        return new SessionListing(sessions, errors);
    }

    /// <summary>
    /// An attribute's value without the trailing <c>[key]</c> line that SCST adds to attributes worth saving in a
    /// configuration (§10.1), trimmed.
    /// </summary>
    public string ReadAttribute(string path)
    {
        string text = Files.Read(path);
        var lines = text.Split('\n').Select(static l => l.TrimEnd()).Where(static l => l != KeyMarker).ToList();
        return string.Join('\n', lines).Trim();
    }

    /// <summary>
    /// Enables a target so that initiators can log in: the driver-level <c>enabled</c> first where the driver has
    /// one (iSCSI), then the target's own. scst_local targets have no <c>enabled</c> and are always on (§10.4).
    /// Writes only what is not enabled yet.
    /// </summary>
    public async Task EnableTargetAsync(string driver, string target, CancellationToken cancellationToken = default)
    {
        string targetPath = TargetPath(driver, target);
        if (!Files.Exists(targetPath))
        {
            throw new SysfsException(targetPath, SysfsErrno.ENOENT, $"target {driver}/{target} does not exist");
        }

        await EnableAsync($"targets/{driver}/enabled", cancellationToken).ConfigureAwait(false);
        await EnableAsync($"{targetPath}/enabled", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Creates a security group (§10.3). Returns false when it already existed (found, or answered EEXIST).
    /// </summary>
    public async Task<bool> CreateGroupAsync(string driver, string target, string group, CancellationToken cancellationToken = default)
    {
        if (GroupExists(driver, target, group))
        {
            return false;
        }

        try
        {
            await ExecuteMgmtAsync($"{TargetPath(driver, target)}/ini_groups/mgmt", $"create {group}", cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (SysfsWriteException e) when (e.Errno == SysfsErrno.EEXIST)
        {
            return false;
        }
    }

    /// <summary>Adds an initiator name or pattern to a group. Returns false when it was there already.</summary>
    public async Task<bool> AddInitiatorAsync(string driver, string target, string group, string initiator, CancellationToken cancellationToken = default)
    {
        CheckToken(initiator, nameof(initiator));
        if (ListInitiators(driver, target, group).Contains(initiator, StringComparer.Ordinal))
        {
            return false;
        }

        try
        {
            await ExecuteMgmtAsync($"{GroupPath(driver, target, group)}/initiators/mgmt", $"add {initiator}", cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (SysfsWriteException e) when (e.Errno == SysfsErrno.EEXIST)
        {
            return false;
        }
    }

    /// <summary>
    /// <c>add &lt;dev&gt; &lt;lun&gt; [read_only=1]</c> on a LUN table (§10.2). EEXIST: the number is taken; ENOENT:
    /// no such device (or target/group); EINVAL: bad syntax or number.
    /// </summary>
    public Task AddLunAsync(string driver, string target, string? group, int lun, string device, bool readOnly, CancellationToken cancellationToken = default)
    {
        CheckName(device, nameof(device));
        ArgumentOutOfRangeException.ThrowIfNegative(lun);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(lun, MaxLun);
        string command = readOnly
            ? string.Create(CultureInfo.InvariantCulture, $"add {device} {lun} read_only=1")
            : string.Create(CultureInfo.InvariantCulture, $"add {device} {lun}");
        return ExecuteMgmtAsync($"{LunTablePath(driver, target, group)}/mgmt", command, cancellationToken);
    }

    /// <summary><c>del &lt;lun&gt;</c> on a LUN table; ENOENT when there is no such LUN.</summary>
    public Task DeleteLunAsync(string driver, string target, string? group, int lun, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(lun);
        return ExecuteMgmtAsync($"{LunTablePath(driver, target, group)}/mgmt", string.Create(CultureInfo.InvariantCulture, $"del {lun}"), cancellationToken);
    }

    /// <summary>
    /// Writes one management command and waits for its outcome. The write runs on its own thread and is abandoned
    /// after <see cref="ScstSysfsOptions.WriteTimeout"/> (ETIMEDOUT). When SCST answers EAGAIN the command was
    /// queued, not refused (§10.5): <c>last_sysfs_mgmt_res</c> is then polled until it stops answering EAGAIN, and
    /// its "-errno" becomes the same <see cref="SysfsWriteException"/> a direct failure would have been.
    /// </summary>
    /// <remarks>
    /// <c>last_sysfs_mgmt_res</c> is global: it holds the result of the last command anyone queued, so two agents
    /// writing at once can read each other's results. One agent per host is the assumption.
    /// </remarks>
    public async Task ExecuteMgmtAsync(string path, string command, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentException.ThrowIfNullOrEmpty(command);

        // A newline like echo(1) sends: the form every SCST parser is used with.
        string text = command.EndsWith('\n') ? command : command + "\n";
        try
        {
            await WriteBoundedAsync(path, text, cancellationToken).ConfigureAwait(false);
            LogMgmtDone(_logger, command, path);
            return;
        }
        catch (SysfsWriteException e) when (e.Errno == SysfsErrno.EAGAIN)
        {
            LogMgmtQueued(_logger, command, path);
        }

        var waited = Stopwatch.StartNew();
        while (true)
        {
            await Task.Delay(Options.MgmtPollInterval, cancellationToken).ConfigureAwait(false);
            int? result = ReadLastMgmtResult(path, text);
            if (result is int value)
            {
                if (value == 0)
                {
                    LogMgmtDone(_logger, command, path);
                    return;
                }

                throw new SysfsWriteException(path, text, (SysfsErrno)(-value), $"queued command failed (last_sysfs_mgmt_res {value})");
            }

            if (waited.Elapsed > Options.MgmtResultTimeout)
            {
                throw new SysfsWriteException(path, text, SysfsErrno.ETIMEDOUT, $"queued (EAGAIN) and still not finished after {Options.MgmtResultTimeout.TotalSeconds:0.#} s");
            }
        }
    }

    /// <summary>The decimal result in last_sysfs_mgmt_res, or null while it still answers EAGAIN.</summary>
    private int? ReadLastMgmtResult(string path, string text)
    {
        string value;
        try
        {
            value = ReadAttribute(LastMgmtResultPath);
        }
        catch (SysfsException e) when (e.Errno == SysfsErrno.EAGAIN)
        {
            // The kernel's show() returns -EAGAIN while any management work is active: read(2) fails with it.
            return null;
        }

        if (value == "EAGAIN")
        {
            return null;
        }

        if (int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int result) && result <= 0)
        {
            return result;
        }

        throw new SysfsWriteException(path, text, SysfsErrno.EIO, $"queued, and {LastMgmtResultPath} reads '{value}', which is not 0 or -errno");
    }

    private async Task EnableAsync(string enabledPath, CancellationToken cancellationToken)
    {
        if (!Files.Exists(enabledPath) || ReadAttribute(enabledPath) == "1")
        {
            return;
        }

        await ExecuteMgmtAsync(enabledPath, "1", cancellationToken).ConfigureAwait(false);
    }

    private async Task WriteBoundedAsync(string path, string text, CancellationToken cancellationToken)
    {
        // A sysfs write blocks in the kernel for as long as SCST's worker takes and cannot be interrupted, so it gets
        // a thread of its own rather than a thread-pool thread; on timeout that thread is left behind, counted.
        const int Running = 0, Finished = 1, Abandoned = 2;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int state = Running;
        var thread = new Thread(() =>
        {
            try
            {
                Files.Write(path, text);
                done.TrySetResult();
            }
            catch (Exception e)
            {
                done.TrySetException(e);
            }

            if (Interlocked.CompareExchange(ref state, Finished, Running) == Abandoned)
            {
                Interlocked.Decrement(ref _hungWrites);
                LogHungWriteReturned(_logger, text.TrimEnd(), path);
            }
        })
        {
            IsBackground = true,
            Name = "scst-sysfs-write",
        };
        thread.Start();

        try
        {
            await done.Task.WaitAsync(Options.WriteTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            if (Interlocked.CompareExchange(ref state, Abandoned, Running) == Finished)
            {
                await done.Task.ConfigureAwait(false); // finished just now: its own outcome stands
                return;
            }

            Interlocked.Increment(ref _hungWrites);
            if (e is OperationCanceledException)
            {
                throw;
            }

            LogWriteHung(_logger, text.TrimEnd(), path, Options.WriteTimeout.TotalSeconds);
            throw new SysfsWriteException(path, text, SysfsErrno.ETIMEDOUT,
                $"write(2) did not return within {Options.WriteTimeout.TotalSeconds:0.###} s; the kernel still holds it and it may yet take effect");
        }
    }

    /// <summary>
    /// The group named by a session's <c>luns</c> link: <c>../../ini_groups/&lt;group&gt;/luns</c> for a group's
    /// table, <c>../../luns</c> for the target's default one (a real link's target may have more leading segments).
    /// </summary>
    private static string? GroupOfLunTable(string link)
    {
        string[] segments = link.Trim().TrimEnd('/').Split('/');
        int groups = Array.LastIndexOf(segments, "ini_groups");
        return groups >= 0 && groups + 1 < segments.Length ? segments[groups + 1] : null;
    }

    /// <summary>The LUN number of a session's <c>lun&lt;N&gt;</c> directory, or null for any other entry.</summary>
    private static int? SessionLun(string entry) =>
        entry.StartsWith("lun", StringComparison.Ordinal)
        && int.TryParse(entry.AsSpan(3), NumberStyles.None, CultureInfo.InvariantCulture, out int lun) ? lun : null;

    private static string LastSegment(string value)
    {
        string trimmed = value.Trim().TrimEnd('/');
        int slash = trimmed.LastIndexOf('/');
        return slash < 0 ? trimmed : trimmed[(slash + 1)..];
    }

    /// <summary>A name used as a path segment and as a command token: no '/', no whitespace, not "." or "..".</summary>
    private static string CheckName(string name, string parameter)
    {
        CheckToken(name, parameter);
        if (name.Contains('/', StringComparison.Ordinal) || name is "." or "..")
        {
            throw new ArgumentException($"'{name}' is not a valid SCST name (it becomes a sysfs path segment)", parameter);
        }

        return name;
    }

    /// <summary>SCST splits commands at whitespace, so no name may contain any.</summary>
    private static void CheckToken(string name, string parameter)
    {
        ArgumentException.ThrowIfNullOrEmpty(name, parameter);
        if (name.Any(static c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            throw new ArgumentException($"'{name}' is not a valid SCST name (it contains whitespace)", parameter);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "SCST did '{Command}' > {Path}")]
    private static partial void LogMgmtDone(ILogger logger, string command, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "SCST queued '{Command}' > {Path} (EAGAIN); polling last_sysfs_mgmt_res")]
    private static partial void LogMgmtQueued(ILogger logger, string command, string path);

    [LoggerMessage(Level = LogLevel.Error, Message = "Write '{Command}' > {Path} did not return within {Seconds} s; its thread stays blocked in the kernel and the command may still take effect")]
    private static partial void LogWriteHung(ILogger logger, string command, string path, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Write '{Command}' > {Path} that had timed out returned at last")]
    private static partial void LogHungWriteReturned(ILogger logger, string command, string path);
}
