using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text;

namespace UserDisk.Scst.Interop;

/// <summary>
/// The initiator side of native-shim's scst_user kernel emulator (native-shim/include/userdisk_scst_emu.h), for the
/// tests and benchmarks that drive the real front end through it: sessions, commands, task management, the
/// closed-loop load generator and per-device statistics (including the protocol violations the handler committed).
/// The handler side is <see cref="ScstDeviceCalls.Emulator"/>.
/// </summary>
internal sealed unsafe class ScstEmulator
{
    private readonly delegate* unmanaged<byte*> _version;
    private readonly delegate* unmanaged<byte*, ulong, byte*, byte*, int, int, ulong*, int> _attach;
    private readonly delegate* unmanaged<ulong, int, int> _detach;
    private readonly delegate* unmanaged<ulong, ScstEmulatorCommand*, long> _submit;
    private readonly delegate* unmanaged<long, int, int> _wait;
    private readonly delegate* unmanaged<ulong, ScstEmulatorCommand*, int, int> _execute;
    private readonly delegate* unmanaged<ulong, uint, long, int, int> _taskManagement;
    private readonly delegate* unmanaged<byte*, int> _purgeCache;
    private readonly delegate* unmanaged<ScstEmulatorLoad*, long> _loadStart;
    private readonly delegate* unmanaged<long, int, int> _loadWait;
    private readonly delegate* unmanaged<byte*, byte*, int> _stats;
    private readonly delegate* unmanaged<byte*, ScstUserOptions*, uint*, int> _deviceOptions;
    private readonly delegate* unmanaged<int, int> _close;
    private readonly delegate* unmanaged<byte*, int> _listen;
    private readonly delegate* unmanaged<int> _listenStop;
    private readonly delegate* unmanaged<delegate* unmanaged<byte*, void*, void>, delegate* unmanaged<byte*, void*, void>, void*, void> _setDeviceHooks;
    private GCHandle _hooks;

    private ScstEmulator(string libraryPath)
    {
        var library = NativeLibrary.Load(libraryPath);
        nint Export(string name) => NativeLibrary.GetExport(library, name);
        _version = (delegate* unmanaged<byte*>)Export("userdisk_emu_version");
        _attach = (delegate* unmanaged<byte*, ulong, byte*, byte*, int, int, ulong*, int>)Export("userdisk_emu_attach");
        _detach = (delegate* unmanaged<ulong, int, int>)Export("userdisk_emu_detach");
        _submit = (delegate* unmanaged<ulong, ScstEmulatorCommand*, long>)Export("userdisk_emu_submit");
        _wait = (delegate* unmanaged<long, int, int>)Export("userdisk_emu_wait");
        _execute = (delegate* unmanaged<ulong, ScstEmulatorCommand*, int, int>)Export("userdisk_emu_execute");
        _taskManagement = (delegate* unmanaged<ulong, uint, long, int, int>)Export("userdisk_emu_task_management");
        _purgeCache = (delegate* unmanaged<byte*, int>)Export("userdisk_emu_purge_cache");
        _loadStart = (delegate* unmanaged<ScstEmulatorLoad*, long>)Export("userdisk_emu_load_start");
        _loadWait = (delegate* unmanaged<long, int, int>)Export("userdisk_emu_load_wait");
        _stats = (delegate* unmanaged<byte*, byte*, int>)Export("userdisk_emu_stats");
        _deviceOptions = (delegate* unmanaged<byte*, ScstUserOptions*, uint*, int>)Export("userdisk_emu_device_options");
        _close = (delegate* unmanaged<int, int>)Export("userdisk_emu_close");
        _listen = (delegate* unmanaged<byte*, int>)Export("userdisk_emu_listen");
        _listenStop = (delegate* unmanaged<int>)Export("userdisk_emu_listen_stop");
        _setDeviceHooks = (delegate* unmanaged<delegate* unmanaged<byte*, void*, void>, delegate* unmanaged<byte*, void*, void>, void*, void>)Export("userdisk_emu_set_device_hooks");
        Calls = ScstDeviceCalls.Emulator(libraryPath);
    }

    /// <summary>The emulator in <paramref name="libraryPath"/> (native-shim/build/libuserdisk_shim.so).</summary>
    public static ScstEmulator Load(string libraryPath) => new(libraryPath);

    /// <summary>The handler-side calls into the same library.</summary>
    public ScstDeviceCalls Calls { get; }

    /// <summary>The DEV_USER_VERSION the emulated module accepts.</summary>
    public string Version => Marshal.PtrToStringUTF8((nint)_version())!;

    /// <summary>0 and the session handle, the handler's result, or a negative errno.</summary>
    public int Attach(string device, ulong lun, string initiator, string target, bool readOnly, int timeoutMs, out ulong session)
    {
        ulong handle = 0;
        fixed (byte* d = Utf8(device))
        fixed (byte* i = Utf8(initiator))
        fixed (byte* t = Utf8(target))
        {
            int result = _attach(d, lun, i, t, readOnly ? 1 : 0, timeoutMs, &handle);
            session = handle;
            return result;
        }
    }

    public int Detach(ulong session, int timeoutMs) => _detach(session, timeoutMs);

    public long Submit(ulong session, ScstEmulatorCommand* command) => _submit(session, command);

    public int Wait(long tag, int timeoutMs) => _wait(tag, timeoutMs);

    public int Execute(ulong session, ScstEmulatorCommand* command, int timeoutMs) => _execute(session, command, timeoutMs);

    public int TaskManagement(ulong session, ScstTaskManagementFunction function, long tagToAbort, int timeoutMs) =>
        _taskManagement(session, (uint)function, tagToAbort, timeoutMs);

    public int PurgeCache(string device)
    {
        fixed (byte* d = Utf8(device))
        {
            return _purgeCache(d);
        }
    }

    public long LoadStart(ScstEmulatorLoad* load) => _loadStart(load);

    public int LoadWait(long id, int timeoutMs) => _loadWait(id, timeoutMs);

    /// <summary>
    /// Serves handlers running in other processes (libuserdisk_emuclient.so, with USERDISK_EMU_SOCKET set to
    /// <paramref name="socketPath"/>): this process becomes their kernel. 0 or a negative errno.
    /// </summary>
    public int Listen(string socketPath)
    {
        fixed (byte* path = Utf8(socketPath))
        {
            return _listen(path);
        }
    }

    /// <summary>Stops serving other processes; their devices vanish as if those processes had died.</summary>
    public int ListenStop() => _listenStop();

    /// <summary>
    /// Calls <paramref name="registered"/> when a device registers (before its registration event is queued, as the
    /// kernel creates its sysfs entry first) and <paramref name="unregistered"/> when it goes, whichever process
    /// the handler runs in: what /sys/kernel/scst_tgt/devices shows. The callbacks run under the emulator's global
    /// lock: they must be quick and must not call the emulator. One set per process; null for both removes them.
    /// </summary>
    public void SetDeviceHooks(Action<string>? registered, Action<string>? unregistered)
    {
        _setDeviceHooks(null, null, null);
        if (_hooks.IsAllocated)
        {
            _hooks.Free();
        }

        if (registered is null && unregistered is null)
        {
            return;
        }

        _hooks = GCHandle.Alloc(new DeviceHooks(registered, unregistered, _hookErrors));
        _setDeviceHooks(&OnRegistered, &OnUnregistered, (void*)GCHandle.ToIntPtr(_hooks));
    }

    /// <summary>Exceptions the device hooks threw (they cannot cross into C, so they are kept here for the test to see).</summary>
    public IReadOnlyCollection<Exception> HookErrors => _hookErrors;

    private readonly ConcurrentQueue<Exception> _hookErrors = new();

    [UnmanagedCallersOnly]
    private static void OnRegistered(byte* name, void* context) => RunHook(name, context, registered: true);

    [UnmanagedCallersOnly]
    private static void OnUnregistered(byte* name, void* context) => RunHook(name, context, registered: false);

    private static void RunHook(byte* name, void* context, bool registered)
    {
        var hooks = (DeviceHooks)GCHandle.FromIntPtr((nint)context).Target!;
        try
        {
            (registered ? hooks.Registered : hooks.Unregistered)?.Invoke(Marshal.PtrToStringUTF8((nint)name)!);
        }
        catch (Exception e)
        {
            hooks.Errors.Enqueue(e);
        }
    }

    private sealed record DeviceHooks(Action<string>? Registered, Action<string>? Unregistered, ConcurrentQueue<Exception> Errors);

    /// <summary>Closes an emulated descriptor behind its owner's back (fault tests).</summary>
    public int Close(int fd) => _close(fd);

    /// <summary>The device's statistics, or null if the emulator never saw it.</summary>
    public ScstEmulatorStats? Stats(string device)
    {
        // Generous room: the C struct may grow at its end.
        byte* buffer = stackalloc byte[2048];
        new Span<byte>(buffer, 2048).Clear();
        fixed (byte* d = Utf8(device))
        {
            return _stats(d, buffer) == 0 ? new ScstEmulatorStats(*(ScstEmulatorStats.Layout*)buffer) : null;
        }
    }

    public bool DeviceOptions(string device, out ScstUserOptions options, out uint blockSize)
    {
        ScstUserOptions o;
        uint size;
        fixed (byte* d = Utf8(device))
        {
            int result = _deviceOptions(d, &o, &size);
            options = o;
            blockSize = size;
            return result == 0;
        }
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text + "\0");
}

/// <summary>struct userdisk_emu_command (320 bytes): one initiator command and its outcome.</summary>
[StructLayout(LayoutKind.Explicit, Size = 320)]
internal unsafe struct ScstEmulatorCommand
{
    public const int SenseBufferSize = 252;

    [FieldOffset(0)] public fixed byte Cdb[32];
    [FieldOffset(32)] public ushort CdbLength;
    [FieldOffset(34)] public byte QueueType;
    [FieldOffset(35)] public byte DataDirection;
    [FieldOffset(36)] public int BufferLength;
    [FieldOffset(40)] public byte* DataOut;
    [FieldOffset(48)] public byte* DataIn;
    [FieldOffset(56)] public byte Status;
    [FieldOffset(57)] public byte SenseLength;
    [FieldOffset(58)] public byte Aborted;
    [FieldOffset(60)] public int ResponseDataLength;
    [FieldOffset(64)] public fixed byte Sense[SenseBufferSize];

    public void SetCdb(ReadOnlySpan<byte> cdb)
    {
        fixed (byte* p = Cdb)
        {
            cdb.CopyTo(new Span<byte>(p, 32));
        }

        CdbLength = (ushort)cdb.Length;
    }

    /// <summary>Sense key, ASC, ASCQ of fixed-format sense (zeros without sense).</summary>
    public readonly (byte Key, byte Asc, byte Ascq) SenseTriple()
    {
        fixed (byte* s = Sense)
        {
            return SenseLength >= 14 ? ((byte)(s[2] & 0x0F), s[12], s[13]) : ((byte)0, (byte)0, (byte)0);
        }
    }
}

/// <summary>struct userdisk_emu_load (80 bytes): a closed-loop load and its results.</summary>
[StructLayout(LayoutKind.Explicit, Size = 80)]
internal unsafe struct ScstEmulatorLoad
{
    [FieldOffset(0)] public ulong SessionHandle;
    [FieldOffset(8)] public fixed byte Cdb[16];
    [FieldOffset(24)] public ushort CdbLength;
    [FieldOffset(26)] public byte DataDirection;
    [FieldOffset(27)] public byte Random;
    [FieldOffset(28)] public int BufferLength;
    [FieldOffset(32)] public uint BlockSize;
    [FieldOffset(36)] public uint QueueDepth;
    [FieldOffset(40)] public ulong LbaCount;
    [FieldOffset(48)] public ulong TotalCommands;
    [FieldOffset(56)] public ulong Completed;
    [FieldOffset(64)] public ulong NotGood;
    [FieldOffset(72)] public ulong ElapsedNanoseconds;

    /// <summary>READ(10) or WRITE(10) of <paramref name="bytes"/> at random LBAs in the first <paramref name="span"/> bytes.</summary>
    public static ScstEmulatorLoad ReadWrite10(ulong session, bool write, int bytes, uint queueDepth, ulong total, long span, int blockSize = 512)
    {
        ScstEmulatorLoad load = default;
        load.SessionHandle = session;
        int blocks = bytes / blockSize;
        load.Cdb[0] = write ? (byte)0x2A : (byte)0x28;
        load.Cdb[7] = (byte)(blocks >> 8);
        load.Cdb[8] = (byte)blocks;
        load.CdbLength = 10;
        load.DataDirection = (byte)(write ? ScstDataDirection.Write : ScstDataDirection.Read);
        load.Random = 1;
        load.BufferLength = bytes;
        load.BlockSize = (uint)blockSize;
        load.QueueDepth = queueDepth;
        load.LbaCount = (ulong)(span / blockSize);
        load.TotalCommands = total;
        return load;
    }
}

/// <summary>What the emulator observed on one device (struct userdisk_emu_stats).</summary>
internal sealed class ScstEmulatorStats
{
    internal unsafe ScstEmulatorStats(Layout raw)
    {
        Raw = raw;
        VersionReceived = Encoding.ASCII.GetString(new ReadOnlySpan<byte>(raw.VersionReceived, 128)).TrimEnd('\0');
    }

    public Layout Raw { get; }

    public ulong Violations => Raw.Violations;

    public string VersionReceived { get; }

    public override string ToString() =>
        $"violations {Raw.Violations} (double {Raw.DoubleReplies}, unknown {Raw.UnknownHandleReplies}, subcode {Raw.SubcodeMismatches}, bad {Raw.BadReplies}, misaligned {Raw.MisalignedCachedBuffers}, freed {Raw.FreedHeldBuffers}, late attach {Raw.LateAttachReplies}); "
        + $"submitted {Raw.CommandsSubmitted} completed {Raw.CommandsCompleted} alloc_mem {Raw.AllocMemSent} exec {Raw.ExecSent} on_free {Raw.OnFreeSent} on_cached_free {Raw.OnCachedMemFreeSent} cache_hits {Raw.CacheHits} cached {Raw.BuffersCached} in_use {Raw.BuffersInUse}";

    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct Layout
    {
        public ulong Violations, DoubleReplies, UnknownHandleReplies, SubcodeMismatches, BadReplies, MisalignedCachedBuffers, FreedHeldBuffers, LateAttachReplies;
        public ulong Ioctls, CommandsSubmitted, CommandsCompleted;
        public ulong AttachSent, DetachSent, ParseSent, AllocMemSent, ExecSent, OnFreeSent, OnCachedMemFreeSent;
        public ulong TaskManagementReceivedSent, TaskManagementDoneSent;
        public ulong CacheHits, BuffersCached, BuffersInUse, CapacityChangedCalls, FlushCacheCalls, PreallocBuffers;
        public uint Registered, Sessions;
        public fixed byte VersionReceived[128];
    }
}
