using System.Runtime.InteropServices;

namespace UserDisk.Scst.Interop;

/// <summary>
/// <c>struct scst_user_scsi_cmd_reply_parse</c> (ABI-SCST-USER.md §6.11): PARSE reply: with status 0 the command fields (op_flags must include SCST_INFO_VALID); otherwise sense_len/psense_buffer, which overlap queue_type and lba.
/// </summary>
/// <remarks>Size 48, C alignment 8. Explicit offsets from the sheet (§16); pointers are user addresses in 64-bit fields.</remarks>
[CName("scst_user_scsi_cmd_reply_parse")]
[StructLayout(LayoutKind.Explicit, Size = 48)]
internal struct ScstUserParseReply
{
    [CName("status")]
    [FieldOffset(0)]
    public byte Status;

    [CName("queue_type")]
    [FieldOffset(8)]
    public byte QueueType;

    [CName("data_direction")]
    [FieldOffset(9)]
    public byte DataDirection;

    [CName("cdb_len")]
    [FieldOffset(10)]
    public ushort CdbLength;

    [CName("lba")]
    [FieldOffset(16)]
    public long Lba;

    [CName("data_len")]
    [FieldOffset(24)]
    public long DataLength;

    [CName("bufflen")]
    [FieldOffset(32)]
    public int BufferLength;

    [CName("op_flags")]
    [FieldOffset(36)]
    public uint OperationFlags;

    [CName("out_bufflen")]
    [FieldOffset(40)]
    public int OutBufferLength;

    [CName("sense_len")]
    [FieldOffset(8)]
    public byte SenseLength;

    [CName("psense_buffer")]
    [FieldOffset(16)]
    public ulong SenseBuffer;
}
