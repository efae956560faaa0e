using System.Runtime.InteropServices;

namespace UserDisk.Scst.Interop;

/// <summary>
/// <c>struct scst_user_get_cmd</c> (ABI-SCST-USER.md §6.3): REPLY_AND_GET_CMD argument and the element of REPLY_AND_GET_MULTI's cmds[]. preply (input) and the payload union (output) share offset 8; the kernel writes only header + payload bytes (§5), so preply must be re-set before every call.
/// </summary>
/// <remarks>Size 544, C alignment 8. Explicit offsets from the sheet (§16); pointers are user addresses in 64-bit fields.</remarks>
[CName("scst_user_get_cmd")]
[StructLayout(LayoutKind.Explicit, Size = 544)]
internal struct ScstUserGetCommand
{
    [CName("cmd_h")]
    [FieldOffset(0)]
    public uint CommandHandle;

    [CName("subcode")]
    [FieldOffset(4)]
    public uint Subcode;

    [CName("preply")]
    [FieldOffset(8)]
    public ulong Reply;

    [CName("sess")]
    [FieldOffset(8)]
    public ScstUserSession Session;

    [CName("parse_cmd")]
    [FieldOffset(8)]
    public ScstUserParseCommand Parse;

    [CName("alloc_cmd")]
    [FieldOffset(8)]
    public ScstUserAllocMemCommand AllocMem;

    [CName("exec_cmd")]
    [FieldOffset(8)]
    public ScstUserExecCommand Exec;

    [CName("on_free_cmd")]
    [FieldOffset(8)]
    public ScstUserOnFreeCommand OnFree;

    [CName("on_cached_mem_free")]
    [FieldOffset(8)]
    public ScstUserOnCachedMemFree OnCachedMemFree;

    [CName("tm_cmd")]
    [FieldOffset(8)]
    public ScstUserTaskManagement TaskManagement;

    [CName("remap_cmd")]
    [FieldOffset(8)]
    public ScstUserExtCopyRemap Remap;
}
