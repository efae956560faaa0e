namespace UserDisk.Scst.Interop;

/// <summary>
/// Subcodes of scst_user_get_cmd.subcode (ABI-SCST-USER.md §5): _IOR/_IOWR('s', ucmd state, payload). A reply echoes the exact value.
/// Computed by <see cref="IoctlCode"/> from the struct sizes, so a wrong struct size shows up as a wrong code.
/// </summary>
internal static class ScstUserSubcode
{
    private const byte SubcodeType = (byte)'s';

    [CName("SCST_USER_ATTACH_SESS")]
    public static readonly uint AttachSession = IoctlCode.Read<ScstUserSession>(SubcodeType, (byte)ScstUserCommandState.AttachSession);

    [CName("SCST_USER_DETACH_SESS")]
    public static readonly uint DetachSession = IoctlCode.Read<ScstUserSession>(SubcodeType, (byte)ScstUserCommandState.DetachSession);

    [CName("SCST_USER_PARSE")]
    public static readonly uint Parse = IoctlCode.ReadWrite<ScstUserParseCommand>(SubcodeType, (byte)ScstUserCommandState.Parsing);

    [CName("SCST_USER_ALLOC_MEM")]
    public static readonly uint AllocMem = IoctlCode.ReadWrite<ScstUserAllocMemCommand>(SubcodeType, (byte)ScstUserCommandState.BufferAllocating);

    [CName("SCST_USER_EXEC")]
    public static readonly uint Exec = IoctlCode.ReadWrite<ScstUserExecCommand>(SubcodeType, (byte)ScstUserCommandState.Executing);

    [CName("SCST_USER_ON_FREE_CMD")]
    public static readonly uint OnFreeCommand = IoctlCode.Read<ScstUserOnFreeCommand>(SubcodeType, (byte)ScstUserCommandState.OnFreeing);

    [CName("SCST_USER_ON_CACHED_MEM_FREE")]
    public static readonly uint OnCachedMemFree = IoctlCode.Read<ScstUserOnCachedMemFree>(SubcodeType, (byte)ScstUserCommandState.OnCacheFreeing);

    [CName("SCST_USER_EXT_COPY_REMAP")]
    public static readonly uint ExtCopyRemap = IoctlCode.ReadWrite<ScstUserExtCopyRemap>(SubcodeType, (byte)ScstUserCommandState.ExtCopyRemapping);

    [CName("SCST_USER_TASK_MGMT_RECEIVED")]
    public static readonly uint TaskManagementReceived = IoctlCode.ReadWrite<ScstUserTaskManagement>(SubcodeType, (byte)ScstUserCommandState.TaskManagementReceivedExecuting);

    [CName("SCST_USER_TASK_MGMT_DONE")]
    public static readonly uint TaskManagementDone = IoctlCode.ReadWrite<ScstUserTaskManagement>(SubcodeType, (byte)ScstUserCommandState.TaskManagementDoneExecuting);
}
