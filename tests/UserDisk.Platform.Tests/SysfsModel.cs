using System.Globalization;
using System.Text.RegularExpressions;
using UserDisk.Platform.Sysfs;

namespace UserDisk.Platform.Tests;

/// <summary>
/// An in-memory <c>/sys/kernel/scst_tgt</c> with the kernel's semantics for what the attach agent touches
/// (ABI-SCST-USER.md §10): devices and their pseudo handlers, targets per driver with <c>enabled</c>, security groups
/// with initiators, LUN tables whose <c>mgmt</c> parses commands like SCST does, <c>last_sysfs_mgmt_res</c>, and
/// initiator sessions (<see cref="LogIn"/>) that see the LUN table of the group SCST would pick for them.
/// Faults can be injected per path: the next write fails with an errno, is queued (EAGAIN, result later in
/// <c>last_sysfs_mgmt_res</c>) or hangs; the next read fails with an errno or hangs.
/// </summary>
/// <remarks>
/// Links are modelled as entries whose <see cref="Read"/> returns their target path, as <see cref="RealSysfsFiles"/>
/// reads real links: <c>luns/&lt;N&gt;/device</c> → <c>../../../../../devices/&lt;dev&gt;</c>,
/// <c>devices/&lt;dev&gt;/handler</c> → <c>../../handlers/&lt;dev&gt;</c>, a session's <c>luns</c> →
/// <c>../../luns</c> or <c>../../ini_groups/&lt;group&gt;/luns</c>.
/// </remarks>
public sealed class SysfsModel : ISysfsFiles, IDisposable
{
    public const string LastMgmtResult = "last_sysfs_mgmt_res";

    private const string KeyMarker = "[key]";

    private readonly Lock _lock = new();
    private readonly SortedDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Fault> _faults = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Fault> _readFaults = new(StringComparer.Ordinal);

    // Group directories in creation order: SCST gives a new session the first group whose initiators match (§10.3).
    private readonly List<string> _groupOrder = [];
    private readonly List<ModelWrite> _writes = [];
    private readonly ManualResetEventSlim _releaseHangs = new(false);
    private QueuedCommand? _queued;
    private int _lastResult;

    public SysfsModel()
    {
        MakeDirectory("devices");
        MakeDirectory("handlers/scst_user");
        MakeDirectory("targets");
        SetFile("version", "3.10.0\n");
        SetFile(LastMgmtResult, "0\n");
    }

    /// <summary>Called after a LUN was added (by a mgmt write or <see cref="AddLun"/>): driver, target, group, LUN, device.</summary>
    public Action<string, string, string?, int, string>? OnLunAdded { get; set; }

    /// <summary>Called after a LUN was deleted (mgmt write, or its device unregistered).</summary>
    public Action<string, string, string?, int, string>? OnLunRemoved { get; set; }

    /// <summary>Called before each write is processed, outside the model's lock: path, text. For races.</summary>
    public Action<string, string>? BeforeWrite { get; set; }

    /// <summary>
    /// While a queued command runs, the kernel's <c>last_sysfs_mgmt_res</c> read fails with EAGAIN; set this to get
    /// the text "EAGAIN" instead (the form the ABI notes describe).
    /// </summary>
    public bool PendingResultAsText { get; set; }

    /// <summary>Every write seen, in order, with the errno it was answered with (EAGAIN for queued ones).</summary>
    public IReadOnlyList<ModelWrite> Writes
    {
        get
        {
            lock (_lock)
            {
                return [.. _writes];
            }
        }
    }

    // ---- The kernel side: devices and targets appear and disappear ----

    /// <summary>An scst_user device registers: <c>devices/&lt;name&gt;</c> with <c>commands</c>, and <c>handlers/&lt;name&gt;</c>.</summary>
    public void RegisterDevice(string name)
    {
        lock (_lock)
        {
            if (_entries.ContainsKey($"devices/{name}"))
            {
                throw new InvalidOperationException($"device {name} exists (REGISTER_DEVICE would answer EEXIST)");
            }

            MakeDirectory($"devices/{name}/exported");
            SetFile($"devices/{name}/type", "0\n");
            SetFile($"devices/{name}/commands", "");
            SetFile($"devices/{name}/max_tgt_dev_commands", "64\n");
            SetLink($"devices/{name}/handler", $"../../handlers/{name}");
            MakeDirectory($"handlers/{name}");
            SetFile($"handlers/{name}/type", "0 - direct-access device (e.g., disk)\n");
            SetFile($"handlers/{name}/mgmt", "Usage: ...\n", writable: true);
            SetLink($"handlers/{name}/{name}", $"../../devices/{name}");
        }
    }

    /// <summary>An in-kernel vdisk device (sysfs-created): no <c>commands</c>, handler <c>vdisk_fileio</c>.</summary>
    public void RegisterVdiskDevice(string name)
    {
        lock (_lock)
        {
            MakeDirectory($"devices/{name}/exported");
            SetFile($"devices/{name}/type", "0\n");
            MakeDirectory("handlers/vdisk_fileio");
            SetLink($"devices/{name}/handler", "../../handlers/vdisk_fileio");
        }
    }

    /// <summary>
    /// The device unregisters (its process closed /dev/scst_user): the kernel deletes every LUN that uses it, then
    /// the device and its pseudo handler. There is no event for this (§9.4).
    /// </summary>
    public void UnregisterDevice(string name)
    {
        List<(string Driver, string Target, string? Group, int Lun, string Device)> removed;
        lock (_lock)
        {
            if (!_entries.ContainsKey($"devices/{name}"))
            {
                throw new InvalidOperationException($"device {name} is not registered");
            }

            removed = [];
            foreach (string table in LunTables())
            {
                foreach ((int lun, string device) in LunsOf(table))
                {
                    if (device == name)
                    {
                        RemoveLun(table, lun);
                        removed.Add(Describe(table, lun, device));
                    }
                }
            }

            RemoveTree($"devices/{name}");
            RemoveTree($"handlers/{name}");
        }

        foreach (var r in removed)
        {
            OnLunRemoved?.Invoke(r.Driver, r.Target, r.Group, r.Lun, r.Device);
        }
    }

    /// <summary>
    /// A target as its driver creates it: <c>luns/mgmt</c>, <c>ini_groups/mgmt</c>, <c>sessions/</c>, and
    /// <c>enabled</c> (0) unless the driver is scst_local; the iSCSI driver also gets its driver-level <c>enabled</c>.
    /// </summary>
    public void AddTarget(string driver, string target)
    {
        lock (_lock)
        {
            string driverPath = $"targets/{driver}";
            if (!_entries.ContainsKey(driverPath))
            {
                MakeDirectory(driverPath);
                if (driver == "iscsi")
                {
                    SetFile($"{driverPath}/enabled", "0\n", writable: true);
                }
            }

            string t = $"{driverPath}/{target}";
            MakeDirectory($"{t}/sessions");
            SetFile($"{t}/luns/mgmt", LunMgmtUsage, writable: true);
            SetFile($"{t}/ini_groups/mgmt", "Usage: echo \"create GROUP_NAME\" >mgmt\n", writable: true);
            SetFile($"{t}/rel_tgt_id", "1\n", writable: true);
            if (driver != "scst_local")
            {
                SetFile($"{t}/enabled", "0\n", writable: true);
            }
        }
    }

    /// <summary>Adds a LUN directly, as scstadmin or another tool would (OnLunAdded fires).</summary>
    public void AddLun(string driver, string target, string? group, int lun, string device, bool readOnly = false)
    {
        lock (_lock)
        {
            CreateLun(TablePath(driver, target, group), lun, device, readOnly);
        }

        OnLunAdded?.Invoke(driver, target, group, lun, device);
    }

    /// <summary>
    /// An initiator logs in to a target: SCST creates <c>sessions/&lt;name&gt;/</c>, named after the initiator
    /// (<c>_1</c>, <c>_2</c>… appended for further sessions of the same initiator), with its attributes, a
    /// <c>luns</c> link to the LUN table of the first group (in creation order) whose initiator names or patterns match
    /// — case-insensitive, <c>*</c> and <c>?</c>, a leading <c>!</c> negates — or else the target's default table, and
    /// a <c>lun&lt;N&gt;/</c> directory for each LUN it sees. Returns the session name.
    /// </summary>
    public string LogIn(string driver, string target, string initiator)
    {
        lock (_lock)
        {
            string targetPath = $"targets/{driver}/{target}";
            if (!_entries.ContainsKey($"{targetPath}/sessions"))
            {
                throw new InvalidOperationException($"target {driver}/{target} does not exist");
            }

            string name = initiator;
            for (int n = 1; _entries.ContainsKey($"{targetPath}/sessions/{name}"); n++)
            {
                name = $"{initiator}_{n.ToString(CultureInfo.InvariantCulture)}";
            }

            string? group = _groupOrder
                .Where(g => g.StartsWith($"{targetPath}/ini_groups/", StringComparison.Ordinal))
                .FirstOrDefault(g => Children($"{g}/initiators").Any(pattern => pattern != "mgmt" && InitiatorMatches(pattern, initiator)));
            string session = $"{targetPath}/sessions/{name}";
            SetFile($"{session}/initiator_name", initiator + "\n");
            foreach (string counter in SessionCounters)
            {
                SetFile($"{session}/{counter}", "0\n");
            }

            string table = group is null ? $"{targetPath}/luns" : $"{group}/luns";
            SetLink($"{session}/luns", group is null ? "../../luns" : $"../../ini_groups/{LastSegment(group)}/luns");
            foreach (int lun in LunsOf(table).Keys)
            {
                AddSessionLun(session, lun);
            }

            return name;
        }
    }

    /// <summary>The session ends (the initiator logged out, or its connection dropped): its directory goes.</summary>
    public void LogOut(string driver, string target, string session)
    {
        lock (_lock)
        {
            string path = $"targets/{driver}/{target}/sessions/{session}";
            if (!_entries.ContainsKey(path))
            {
                throw new InvalidOperationException($"no session {session} on {driver}/{target}");
            }

            RemoveTree(path);
        }
    }

    /// <summary>Sets an attribute's content, creating it if needed (counters that SCST updates as commands run).</summary>
    public void SetAttribute(string path, string content)
    {
        lock (_lock)
        {
            SetFile(Normalize(path), content);
        }
    }

    /// <summary>Removes a file or directory (an attribute an older SCST or another driver does not have).</summary>
    public void RemoveEntry(string path)
    {
        lock (_lock)
        {
            RemoveTree(Normalize(path));
        }
    }

    // ---- Queries for tests ----

    public IReadOnlyDictionary<int, string> Luns(string driver, string target, string? group = null)
    {
        lock (_lock)
        {
            return LunsOf(TablePath(driver, target, group));
        }
    }

    public bool IsLunReadOnly(string driver, string target, string? group, int lun)
    {
        lock (_lock)
        {
            return Content($"{TablePath(driver, target, group)}/{lun.ToString(CultureInfo.InvariantCulture)}/read_only").StartsWith('1');
        }
    }

    public bool IsTargetEnabled(string driver, string target) => Enabled($"targets/{driver}/{target}/enabled");

    public bool IsDriverEnabled(string driver) => Enabled($"targets/{driver}/enabled");

    public IReadOnlyList<string> Groups(string driver, string target)
    {
        lock (_lock)
        {
            return [.. Children($"targets/{driver}/{target}/ini_groups").Where(static n => n != "mgmt")];
        }
    }

    public IReadOnlyList<string> Initiators(string driver, string target, string group)
    {
        lock (_lock)
        {
            return [.. Children($"targets/{driver}/{target}/ini_groups/{group}/initiators").Where(static n => n != "mgmt")];
        }
    }

    /// <summary>The session names under a target's <c>sessions/</c>.</summary>
    public IReadOnlyList<string> Sessions(string driver, string target)
    {
        lock (_lock)
        {
            return Children($"targets/{driver}/{target}/sessions");
        }
    }

    // ---- Fault injection ----

    /// <summary>The next write to <paramref name="path"/> fails with <paramref name="errno"/> and changes nothing.</summary>
    public void FailNextWrite(string path, SysfsErrno errno) => SetFault(path, new Fault(FaultKind.Fail, errno, 0, default));

    /// <summary>
    /// The next write to <paramref name="path"/> answers EAGAIN (queued); <c>last_sysfs_mgmt_res</c> then answers
    /// EAGAIN for <paramref name="pendingReads"/> reads, after which the command runs and the read returns its result
    /// (0 or -errno) — or <paramref name="result"/> instead of running it.
    /// </summary>
    public void QueueNextWrite(string path, int pendingReads, SysfsErrno? result = null) =>
        SetFault(path, new Fault(FaultKind.Queue, result ?? SysfsErrno.None, pendingReads, default, result is not null));

    /// <summary>The next write to <paramref name="path"/> blocks for <paramref name="duration"/> (or until <see cref="ReleaseHangs"/>), then runs.</summary>
    public void HangNextWrite(string path, TimeSpan duration) => SetFault(path, new Fault(FaultKind.Hang, SysfsErrno.None, 0, duration));

    /// <summary>The next read of <paramref name="path"/> fails with <paramref name="errno"/> (EAGAIN: SCST's worker was busy, §10.5).</summary>
    public void FailNextRead(string path, SysfsErrno errno)
    {
        lock (_lock)
        {
            _readFaults[Normalize(path)] = new Fault(FaultKind.Fail, errno, 0, default);
        }
    }

    /// <summary>The next read of <paramref name="path"/> blocks for <paramref name="duration"/> (or until <see cref="ReleaseHangs"/>).</summary>
    public void HangNextRead(string path, TimeSpan duration)
    {
        lock (_lock)
        {
            _readFaults[Normalize(path)] = new Fault(FaultKind.Hang, SysfsErrno.None, 0, duration);
        }
    }

    public void ReleaseHangs() => _releaseHangs.Set();

    public void Dispose()
    {
        _releaseHangs.Set();
        _releaseHangs.Dispose();
    }

    // ---- ISysfsFiles ----

    public bool Exists(string path)
    {
        lock (_lock)
        {
            return _entries.ContainsKey(Normalize(path));
        }
    }

    public IReadOnlyList<string> List(string directory)
    {
        lock (_lock)
        {
            string dir = Normalize(directory);
            if (!_entries.TryGetValue(dir, out Entry? entry))
            {
                throw new SysfsException(dir, SysfsErrno.ENOENT, $"{dir}: no such directory");
            }

            if (entry.Kind != EntryKind.Directory)
            {
                throw new SysfsException(dir, SysfsErrno.ENOTDIR, $"{dir}: not a directory");
            }

            return Children(dir);
        }
    }

    public string Read(string path)
    {
        string p = Normalize(path);
        Fault? fault;
        lock (_lock)
        {
            _readFaults.Remove(p, out fault);
        }

        if (fault is { Kind: FaultKind.Fail })
        {
            throw new SysfsException(p, fault.Errno, $"{p}: {SysfsException.Describe(fault.Errno)} (injected)");
        }

        if (fault is { Kind: FaultKind.Hang })
        {
            _releaseHangs.Wait(fault.Duration);
        }

        lock (_lock)
        {
            if (p == LastMgmtResult)
            {
                return ReadLastMgmtResult();
            }

            if (!_entries.TryGetValue(p, out Entry? entry))
            {
                throw new SysfsException(p, SysfsErrno.ENOENT, $"{p}: no such file");
            }

            return entry.Kind switch
            {
                EntryKind.Directory => throw new SysfsException(p, SysfsErrno.EISDIR, $"{p}: is a directory"),
                _ => entry.Content,
            };
        }
    }

    public void Write(string path, string text)
    {
        string p = Normalize(path);
        BeforeWrite?.Invoke(p, text);
        Fault? fault;
        lock (_lock)
        {
            if (_faults.Remove(p, out fault))
            {
                switch (fault.Kind)
                {
                    case FaultKind.Fail:
                        _writes.Add(new ModelWrite(p, text, fault.Errno));
                        throw new SysfsWriteException(p, text, fault.Errno, "injected");
                    case FaultKind.Queue:
                        _writes.Add(new ModelWrite(p, text, SysfsErrno.EAGAIN));
                        _queued = new QueuedCommand(p, text, fault.PendingReads, fault.HasResult ? fault.Errno : null);
                        throw new SysfsWriteException(p, text, SysfsErrno.EAGAIN);
                }
            }
        }

        if (fault is { Kind: FaultKind.Hang })
        {
            _releaseHangs.Wait(fault.Duration);
        }

        List<Action> notifications = [];
        lock (_lock)
        {
            SysfsErrno result = Execute(p, text, notifications);
            _writes.Add(new ModelWrite(p, text, result));
            if (result != SysfsErrno.None)
            {
                throw new SysfsWriteException(p, text, result);
            }
        }

        foreach (Action notify in notifications)
        {
            notify();
        }
    }

    // ---- Command execution (under _lock) ----

    private string ReadLastMgmtResult()
    {
        if (_queued is { } queued)
        {
            if (queued.PendingReads > 0)
            {
                _queued = queued with { PendingReads = queued.PendingReads - 1 };
                return PendingResultAsText
                    ? "EAGAIN\n"
                    : throw new SysfsException(LastMgmtResult, SysfsErrno.EAGAIN, "management work is active");
            }

            _queued = null;
            List<Action> notifications = [];
            SysfsErrno result = queued.Result ?? Execute(queued.Path, queued.Text, notifications);
            _lastResult = -(int)result;

            // The model's lock is not re-entrant-safe for callbacks; run them on the thread pool.
            foreach (Action notify in notifications)
            {
                ThreadPool.QueueUserWorkItem(_ => notify());
            }
        }

        return _lastResult.ToString(CultureInfo.InvariantCulture) + "\n";
    }

    private SysfsErrno Execute(string path, string text, List<Action> notifications)
    {
        if (!_entries.TryGetValue(path, out Entry? entry))
        {
            return SysfsErrno.ENOENT;
        }

        if (entry.Kind == EntryKind.Directory)
        {
            return SysfsErrno.EISDIR;
        }

        if (!entry.Writable)
        {
            return SysfsErrno.EACCES;
        }

        string[] tokens = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (path.EndsWith("/luns/mgmt", StringComparison.Ordinal))
        {
            return LunMgmt(path[..^"/mgmt".Length], tokens, notifications);
        }

        if (path.EndsWith("/ini_groups/mgmt", StringComparison.Ordinal))
        {
            return GroupMgmt(path[..^"/mgmt".Length], tokens);
        }

        if (path.EndsWith("/initiators/mgmt", StringComparison.Ordinal))
        {
            return InitiatorMgmt(path[..^"/mgmt".Length], tokens);
        }

        if (path.EndsWith("/enabled", StringComparison.Ordinal))
        {
            if (tokens is not ["0" or "1"])
            {
                return SysfsErrno.EINVAL;
            }

            entry.Content = tokens[0] == "1" ? $"1\n{KeyMarker}\n" : "0\n";
            return SysfsErrno.None;
        }

        entry.Content = text;
        return SysfsErrno.None;
    }

    /// <summary>§10.2: add/replace/replace_no_ua &lt;dev&gt; &lt;lun&gt; [read_only=0|1], del &lt;lun&gt;, clear.</summary>
    private SysfsErrno LunMgmt(string table, string[] tokens, List<Action> notifications)
    {
        (string driver, string target, string? group, _, _) = Describe(table, 0, "");
        switch (tokens)
        {
            case ["add" or "replace" or "replace_no_ua", string device, string lunText, .. string[] parameters]:
                {
                    if (!TryParseLun(lunText, out int lun) || !TryParseReadOnly(parameters, out bool readOnly))
                    {
                        return SysfsErrno.EINVAL;
                    }

                    if (!_entries.ContainsKey($"devices/{device}"))
                    {
                        return SysfsErrno.ENOENT;
                    }

                    string lunPath = $"{table}/{lun.ToString(CultureInfo.InvariantCulture)}";
                    if (_entries.ContainsKey(lunPath))
                    {
                        if (tokens[0] == "add")
                        {
                            return SysfsErrno.EEXIST;
                        }

                        string old = LastSegment(_entries[$"{lunPath}/device"].Content);
                        RemoveLun(table, lun);
                        notifications.Add(() => OnLunRemoved?.Invoke(driver, target, group, lun, old));
                    }

                    CreateLun(table, lun, device, readOnly);
                    notifications.Add(() => OnLunAdded?.Invoke(driver, target, group, lun, device));
                    return SysfsErrno.None;
                }

            case ["del", string lunText]:
                {
                    if (!TryParseLun(lunText, out int lun))
                    {
                        return SysfsErrno.EINVAL;
                    }

                    string lunPath = $"{table}/{lun.ToString(CultureInfo.InvariantCulture)}";
                    if (!_entries.ContainsKey(lunPath))
                    {
                        return SysfsErrno.ENOENT;
                    }

                    string device = LastSegment(_entries[$"{lunPath}/device"].Content);
                    RemoveLun(table, lun);
                    notifications.Add(() => OnLunRemoved?.Invoke(driver, target, group, lun, device));
                    return SysfsErrno.None;
                }

            case ["clear"]:
                foreach ((int lun, string device) in LunsOf(table))
                {
                    RemoveLun(table, lun);
                    notifications.Add(() => OnLunRemoved?.Invoke(driver, target, group, lun, device));
                }

                return SysfsErrno.None;

            default:
                return SysfsErrno.EINVAL;
        }
    }

    /// <summary>§10.3: create &lt;group&gt; (EEXIST if it exists), del &lt;group&gt;.</summary>
    private SysfsErrno GroupMgmt(string groups, string[] tokens)
    {
        switch (tokens)
        {
            case ["create", string group]:
                if (_entries.ContainsKey($"{groups}/{group}"))
                {
                    return SysfsErrno.EEXIST;
                }

                SetFile($"{groups}/{group}/luns/mgmt", LunMgmtUsage, writable: true);
                SetFile($"{groups}/{group}/initiators/mgmt", "Usage: echo \"add INITIATOR_NAME\" >mgmt\n", writable: true);
                _groupOrder.Add($"{groups}/{group}");
                return SysfsErrno.None;
            case ["del", string group]:
                if (!_entries.ContainsKey($"{groups}/{group}"))
                {
                    return SysfsErrno.ENOENT;
                }

                RemoveTree($"{groups}/{group}");
                _groupOrder.Remove($"{groups}/{group}");
                return SysfsErrno.None;
            default:
                return SysfsErrno.EINVAL;
        }
    }

    /// <summary>§10.3: add/del &lt;name-or-pattern&gt;, clear. A duplicate add is modelled as EEXIST.</summary>
    private SysfsErrno InitiatorMgmt(string initiators, string[] tokens)
    {
        switch (tokens)
        {
            case ["add", string name]:
                if (_entries.ContainsKey($"{initiators}/{name}"))
                {
                    return SysfsErrno.EEXIST;
                }

                SetFile($"{initiators}/{name}", name + "\n");
                return SysfsErrno.None;
            case ["del", string name]:
                if (!_entries.ContainsKey($"{initiators}/{name}"))
                {
                    return SysfsErrno.ENOENT;
                }

                RemoveTree($"{initiators}/{name}");
                return SysfsErrno.None;
            case ["clear"]:
                foreach (string name in Children(initiators).Where(static n => n != "mgmt"))
                {
                    RemoveTree($"{initiators}/{name}");
                }

                return SysfsErrno.None;
            default:
                return SysfsErrno.EINVAL;
        }
    }

    private void CreateLun(string table, int lun, string device, bool readOnly)
    {
        string lunPath = $"{table}/{lun.ToString(CultureInfo.InvariantCulture)}";

        // The link climbs from the LUN directory to the root: one "../" per segment of the LUN path.
        string up = string.Concat(Enumerable.Repeat("../", lunPath.Split('/').Length));
        SetLink($"{lunPath}/device", $"{up}devices/{device}");
        SetFile($"{lunPath}/read_only", readOnly ? $"1\n{KeyMarker}\n" : "0\n");

        // SCST attaches every session that sees this table to the new LUN (§10.2).
        foreach (string session in SessionsSeeing(table))
        {
            AddSessionLun(session, lun);
        }
    }

    private void RemoveLun(string table, int lun)
    {
        RemoveTree($"{table}/{lun.ToString(CultureInfo.InvariantCulture)}");
        foreach (string session in SessionsSeeing(table))
        {
            RemoveTree($"{session}/lun{lun.ToString(CultureInfo.InvariantCulture)}");
        }
    }

    /// <summary>The session directories whose <c>luns</c> link leads to <paramref name="table"/>.</summary>
    private List<string> SessionsSeeing(string table)
    {
        // targets/<driver>/<target>/luns or targets/<driver>/<target>/ini_groups/<group>/luns
        string targetPath = string.Join('/', table.Split('/')[..3]);
        string link = table == $"{targetPath}/luns" ? "../../luns" : $"../../{table[(targetPath.Length + 1)..]}";
        return
        [
            .. Children($"{targetPath}/sessions")
                .Select(name => $"{targetPath}/sessions/{name}")
                .Where(session => _entries.TryGetValue($"{session}/luns", out Entry? entry) && entry.Content == link),
        ];
    }

    private void AddSessionLun(string session, int lun) =>
        SetFile($"{session}/lun{lun.ToString(CultureInfo.InvariantCulture)}/active_commands", "0\n");

    /// <summary>SCST's initiator name patterns: case-insensitive, <c>*</c> any run, <c>?</c> one character, leading <c>!</c> negates.</summary>
    private static bool InitiatorMatches(string pattern, string initiator)
    {
        bool negated = pattern.StartsWith('!');
        string glob = negated ? pattern[1..] : pattern;
        string regex = "^" + Regex.Escape(glob).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$";
        return Regex.IsMatch(initiator, regex, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant) != negated;
    }

    private static bool TryParseLun(string text, out int lun) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out lun) && lun <= ScstSysfs.MaxLun;

    /// <summary>Parameters are name=value pairs separated by ';' (or spaces); read_only is the only one (§10.2).</summary>
    private static bool TryParseReadOnly(string[] parameters, out bool readOnly)
    {
        readOnly = false;
        foreach (string pair in parameters.SelectMany(static p => p.Split(';', StringSplitOptions.RemoveEmptyEntries)))
        {
            string[] parts = pair.Split('=');
            if (parts is not ["read_only", "0" or "1"])
            {
                return false;
            }

            readOnly = parts[1] == "1";
        }

        return true;
    }

    private List<string> LunTables() =>
        _entries.Keys.Where(static k => k.EndsWith("/luns/mgmt", StringComparison.Ordinal)).Select(static k => k[..^"/mgmt".Length]).ToList();

    private SortedDictionary<int, string> LunsOf(string table)
    {
        var luns = new SortedDictionary<int, string>();
        if (!_entries.ContainsKey($"{table}/mgmt"))
        {
            return luns;
        }

        foreach (string child in Children(table))
        {
            if (int.TryParse(child, NumberStyles.None, CultureInfo.InvariantCulture, out int lun))
            {
                luns[lun] = LastSegment(_entries[$"{table}/{child}/device"].Content);
            }
        }

        return luns;
    }

    private static (string Driver, string Target, string? Group, int Lun, string Device) Describe(string table, int lun, string device)
    {
        // targets/<driver>/<target>/luns or targets/<driver>/<target>/ini_groups/<group>/luns
        string[] parts = table.Split('/');
        return (parts[1], parts[2], parts.Length > 5 ? parts[4] : null, lun, device);
    }

    private static string TablePath(string driver, string target, string? group) =>
        group is null ? $"targets/{driver}/{target}/luns" : $"targets/{driver}/{target}/ini_groups/{group}/luns";

    private bool Enabled(string path)
    {
        lock (_lock)
        {
            return _entries.TryGetValue(path, out Entry? entry) && entry.Content.StartsWith('1');
        }
    }

    private string Content(string path) => _entries.TryGetValue(path, out Entry? entry) ? entry.Content : "";

    private void SetFault(string path, Fault fault)
    {
        lock (_lock)
        {
            _faults[Normalize(path)] = fault;
        }
    }

    // ---- The tree ----

    private List<string> Children(string directory)
    {
        string prefix = directory + "/";
        return [.. _entries.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal) && k.IndexOf('/', prefix.Length) < 0).Select(k => k[prefix.Length..])];
    }

    private void MakeDirectory(string path)
    {
        string[] parts = path.Split('/');
        for (int i = 1; i <= parts.Length; i++)
        {
            string prefix = string.Join('/', parts[..i]);
            if (!_entries.ContainsKey(prefix))
            {
                _entries[prefix] = new Entry(EntryKind.Directory);
            }
        }
    }

    private void SetFile(string path, string content, bool writable = false)
    {
        int slash = path.LastIndexOf('/');
        if (slash > 0)
        {
            MakeDirectory(path[..slash]);
        }

        _entries[path] = new Entry(EntryKind.File) { Content = content, Writable = writable };
    }

    private void SetLink(string path, string target)
    {
        MakeDirectory(path[..path.LastIndexOf('/')]);
        _entries[path] = new Entry(EntryKind.Link) { Content = target };
    }

    private void RemoveTree(string path)
    {
        string prefix = path + "/";
        foreach (string key in _entries.Keys.Where(k => k == path || k.StartsWith(prefix, StringComparison.Ordinal)).ToList())
        {
            _entries.Remove(key);
        }
    }

    private static string LastSegment(string path) => path[(path.LastIndexOf('/') + 1)..];

    private static string Normalize(string path) => path.Trim('/');

    /// <summary>The counters SCST gives every session (besides <c>initiator_name</c>, the links and the LUN directories).</summary>
    private static readonly string[] SessionCounters =
    [
        "commands", "active_commands", "unknown_cmd_count", "none_cmd_count",
        "read_cmd_count", "read_io_count_kb", "read_unaligned_cmd_count",
        "write_cmd_count", "write_io_count_kb", "write_unaligned_cmd_count",
        "bidi_cmd_count", "bidi_io_count_kb", "bidi_unaligned_cmd_count",
    ];

    private const string LunMgmtUsage =
        "Usage: echo \"add|del H:C:I:L lun [parameters]\" >mgmt\n" +
        "       echo \"add VNAME lun [parameters]\" >mgmt\n" +
        "       echo \"del lun\" >mgmt\n" +
        "       echo \"replace H:C:I:L lun [parameters]\" >mgmt\n" +
        "       echo \"clear\" >mgmt\n";

    private enum EntryKind
    {
        Directory,
        File,
        Link,
    }

    private sealed class Entry(EntryKind kind)
    {
        public EntryKind Kind { get; } = kind;

        public string Content { get; set; } = "";

        public bool Writable { get; init; }
    }

    private enum FaultKind
    {
        Fail,
        Queue,
        Hang,
    }

    private sealed record Fault(FaultKind Kind, SysfsErrno Errno, int PendingReads, TimeSpan Duration, bool HasResult = false);

    private sealed record QueuedCommand(string Path, string Text, int PendingReads, SysfsErrno? Result);
}
