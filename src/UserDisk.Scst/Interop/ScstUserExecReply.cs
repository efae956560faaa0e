using System.Runtime.InteropServices;

namespace UserDisk.Scst.Interop;

/// <summary>
/// <c>struct scst_user_scsi_cmd_reply_exec</c> (ABI-SCST-USER.md §6.13): EXEC reply. Sense (COMPLETED) and WRITE SAME descriptors (DO_WRITE_SAME) overlap at 24 and 32.
/// </summary>
/// <remarks>Size 40, C alignment 8. Explicit offsets from the sheet (§16); pointers are user addresses in 64-bit fields.</remarks>
[CName("scst_user_scsi_cmd_reply_exec")]
[StructLayout(LayoutKind.Explicit, Size = 40)]
internal struct ScstUserExecReply
{
    [CName("resp_data_len")]
    [FieldOffset(0)]
    public int ResponseDataLength;

    [CName("pbuf")]
    [FieldOffset(8)]
    public ulong Buffer;

    [CName("reply_type")]
    [FieldOffset(16)]
    public byte ReplyType;

    [CName("status")]
    [FieldOffset(17)]
    public byte Status;

    [CName("sense_len")]
    [FieldOffset(24)]
    public byte SenseLength;

    [CName("psense_buffer")]
    [FieldOffset(32)]
    public ulong SenseBuffer;

    [CName("ws_descriptors_len")]
    [FieldOffset(24)]
    public ushort WriteSameDescriptorsLength;

    [CName("ws_descriptors")]
    [FieldOffset(32)]
    public ulong WriteSameDescriptors;
}
