namespace UserDisk.Scst.Interop;

/// <summary>
/// /dev/scst_event ioctl requests (ABI-SCST-USER.md §9.1), also type 'u' on a different device node.
/// Computed by <see cref="IoctlCode"/> from the struct sizes, so a wrong struct size shows up as a wrong code.
/// </summary>
internal static class ScstEventIoctl
{
    private const byte IoctlType = (byte)'u';

    [CName("SCST_EVENT_ALLOW_EVENT")]
    public static readonly uint AllowEvent = IoctlCode.Write<ScstEvent>(IoctlType, 1);

    [CName("SCST_EVENT_DISALLOW_EVENT")]
    public static readonly uint DisallowEvent = IoctlCode.Write<ScstEvent>(IoctlType, 2);

    [CName("SCST_EVENT_GET_NEXT_EVENT")]
    public static readonly uint GetNextEvent = IoctlCode.ReadWrite<ScstEventUser>(IoctlType, 3);

    [CName("SCST_EVENT_NOTIFY_DONE")]
    public static readonly uint NotifyDone = IoctlCode.Write<ScstEventNotifyDone>(IoctlType, 4);
}
