using System.Runtime.InteropServices;

namespace UserDisk.Scst.Interop;

/// <summary>
/// <c>struct scst_user_scsi_cmd_reply_alloc_mem</c> (ABI-SCST-USER.md §6.12): ALLOC_MEM reply: the buffer, or 0 (the command then ends with BUSY).
/// </summary>
/// <remarks>Size 8, C alignment 8. Explicit offsets from the sheet (§16); pointers are user addresses in 64-bit fields.</remarks>
[CName("scst_user_scsi_cmd_reply_alloc_mem")]
[StructLayout(LayoutKind.Explicit, Size = 8)]
internal struct ScstUserAllocMemReply
{
    [CName("pbuf")]
    [FieldOffset(0)]
    public ulong Buffer;
}
