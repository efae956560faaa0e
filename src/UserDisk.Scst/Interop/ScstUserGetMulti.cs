using System.Runtime.InteropServices;

namespace UserDisk.Scst.Interop;

/// <summary>
/// <c>struct scst_user_get_multi</c> (ABI-SCST-USER.md §6.9): REPLY_AND_GET_MULTI header; cmds_cnt commands of 544 bytes follow at offset 16 (§8.4). The ioctl code covers only these 16 bytes.
/// </summary>
/// <remarks>Size 16, C alignment 8. Explicit offsets from the sheet (§16); pointers are user addresses in 64-bit fields.</remarks>
[CName("scst_user_get_multi")]
[StructLayout(LayoutKind.Explicit, Size = 16)]
internal struct ScstUserGetMulti
{
    [CName("preplies")]
    [FieldOffset(0)]
    public ulong Replies;

    [CName("replies_cnt")]
    [FieldOffset(8)]
    public short RepliesCount;

    [CName("replies_done")]
    [FieldOffset(10)]
    public short RepliesDone;

    [CName("cmds_cnt")]
    [FieldOffset(12)]
    public short CommandsCount;

    [CName("pad")]
    [FieldOffset(14)]
    public short Pad;

    /// <summary>Offset of the flexible array member <c>cmds[]</c>, which has no C# field.</summary>
    [CName("cmds")]
    public const int CommandsOffset = 16;
}
