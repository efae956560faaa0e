namespace UserDisk.Scst.Interop;

/// <summary>
/// /dev/scst_user ioctl requests (ABI-SCST-USER.md §4), type 'u'.
/// Computed by <see cref="IoctlCode"/> from the struct sizes, so a wrong struct size shows up as a wrong code.
/// </summary>
internal static class ScstUserIoctl
{
    private const byte IoctlType = (byte)'u';

    [CName("SCST_USER_REGISTER_DEVICE")]
    public static readonly uint RegisterDevice = IoctlCode.Write<ScstUserDeviceDescriptor>(IoctlType, 1);

    [CName("SCST_USER_UNREGISTER_DEVICE")]
    public static readonly uint UnregisterDevice = IoctlCode.None(IoctlType, 2);

    [CName("SCST_USER_SET_OPTIONS")]
    public static readonly uint SetOptions = IoctlCode.Write<ScstUserOptions>(IoctlType, 3);

    [CName("SCST_USER_GET_OPTIONS")]
    public static readonly uint GetOptions = IoctlCode.Read<ScstUserOptions>(IoctlType, 4);

    [CName("SCST_USER_REPLY_AND_GET_CMD")]
    public static readonly uint ReplyAndGetCommand = IoctlCode.ReadWrite<ScstUserGetCommand>(IoctlType, 5);

    [CName("SCST_USER_REPLY_CMD")]
    public static readonly uint ReplyCommand = IoctlCode.Write<ScstUserReplyCommand>(IoctlType, 6);

    [CName("SCST_USER_FLUSH_CACHE")]
    public static readonly uint FlushCache = IoctlCode.None(IoctlType, 7);

    [CName("SCST_USER_DEVICE_CAPACITY_CHANGED")]
    public static readonly uint DeviceCapacityChanged = IoctlCode.None(IoctlType, 8);

    [CName("SCST_USER_GET_EXTENDED_CDB")]
    public static readonly uint GetExtendedCdb = IoctlCode.ReadWrite<ScstUserGetExtendedCdb>(IoctlType, 9);

    [CName("SCST_USER_PREALLOC_BUFFER")]
    public static readonly uint PreallocBuffer = IoctlCode.ReadWrite<ScstUserPreallocBuffer>(IoctlType, 10);

    [CName("SCST_USER_REPLY_AND_GET_MULTI")]
    public static readonly uint ReplyAndGetMulti = IoctlCode.ReadWrite<ScstUserGetMulti>(IoctlType, 11);
}
