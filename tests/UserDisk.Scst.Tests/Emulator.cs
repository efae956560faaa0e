using UserDisk.Scst.Interop;

namespace UserDisk.Scst.Tests;

/// <summary>
/// The emulator built in native-shim/build (see <see cref="ScstEmulator"/>), with asserting helpers for tests.
/// </summary>
internal static class Emulator
{
    public static ScstEmulator Instance { get; } = ScstEmulator.Load(NativeShim.LibraryPath);

    public static ScstDeviceCalls Calls => Instance.Calls;

    public static string Version => Instance.Version;

    public static ulong Attach(string device, ulong lun = 0, string initiator = "iqn.2026-11.test:initiator", string target = "iqn.2026-11.test:target", bool readOnly = false, int timeoutMs = 5000)
    {
        int result = Instance.Attach(device, lun, initiator, target, readOnly, timeoutMs, out ulong handle);
        Assert.True(result == 0, $"attach to {device} failed: {result}");
        return handle;
    }

    public static int Detach(ulong session, int timeoutMs = 10_000) => Instance.Detach(session, timeoutMs);

    public static ScstEmulatorStats Stats(string device) =>
        Instance.Stats(device) ?? throw new InvalidOperationException($"the emulator never saw device {device}");

    public static (ScstUserOptions Options, uint BlockSize) DeviceOptions(string device)
    {
        Assert.True(Instance.DeviceOptions(device, out var options, out uint blockSize));
        return (options, blockSize);
    }

    public static unsafe int Execute(ulong session, ScstEmulatorCommand* command, int timeoutMs) => Instance.Execute(session, command, timeoutMs);

    public static unsafe long Submit(ulong session, ScstEmulatorCommand* command) => Instance.Submit(session, command);

    public static int Wait(long tag, int timeoutMs) => Instance.Wait(tag, timeoutMs);

    public static int TaskManagement(ulong session, uint function, long tagToAbort, int timeoutMs) =>
        Instance.TaskManagement(session, (ScstTaskManagementFunction)function, tagToAbort, timeoutMs);

    public static int PurgeCache(string device) => Instance.PurgeCache(device);

    public static unsafe long LoadStart(ScstEmulatorLoad* load) => Instance.LoadStart(load);

    public static int LoadWait(long id, int timeoutMs) => Instance.LoadWait(id, timeoutMs);

    public static int Close(int fd) => Instance.Close(fd);
}
