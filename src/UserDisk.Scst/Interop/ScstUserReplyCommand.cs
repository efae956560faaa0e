using System.Runtime.InteropServices;

namespace UserDisk.Scst.Interop;

/// <summary>
/// <c>struct scst_user_reply_cmd</c> (ABI-SCST-USER.md §6.10): Every reply; the kernel always copies all 56 bytes and a replies array has a stride of 56. cmd_h and subcode are echoed from the command.
/// </summary>
/// <remarks>Size 56, C alignment 8. Explicit offsets from the sheet (§16); pointers are user addresses in 64-bit fields.</remarks>
[CName("scst_user_reply_cmd")]
[StructLayout(LayoutKind.Explicit, Size = 56)]
internal struct ScstUserReplyCommand
{
    [CName("cmd_h")]
    [FieldOffset(0)]
    public uint CommandHandle;

    [CName("subcode")]
    [FieldOffset(4)]
    public uint Subcode;

    [CName("result")]
    [FieldOffset(8)]
    public int Result;

    [CName("parse_reply")]
    [FieldOffset(8)]
    public ScstUserParseReply ParseReply;

    [CName("alloc_reply")]
    [FieldOffset(8)]
    public ScstUserAllocMemReply AllocMemReply;

    [CName("exec_reply")]
    [FieldOffset(8)]
    public ScstUserExecReply ExecReply;

    [CName("remap_reply")]
    [FieldOffset(8)]
    public ScstUserExtCopyRemapReply RemapReply;
}
