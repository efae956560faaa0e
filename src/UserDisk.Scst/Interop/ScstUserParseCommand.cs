using System.Runtime.InteropServices;

namespace UserDisk.Scst.Interop;

/// <summary>
/// <c>struct scst_user_scsi_cmd_parse</c> (ABI-SCST-USER.md §6.5): PARSE payload (only with parse_type CALL or EXCEPTION).
/// </summary>
/// <remarks>Size 80, C alignment 8. Explicit offsets from the sheet (§16); pointers are user addresses in 64-bit fields.</remarks>
[CName("scst_user_scsi_cmd_parse")]
[StructLayout(LayoutKind.Explicit, Size = 80)]
internal unsafe struct ScstUserParseCommand
{
    [CName("sess_h")]
    [FieldOffset(0)]
    public ulong SessionHandle;

    [CName("cdb")]
    [FieldOffset(8)]
    public fixed byte Cdb[16];

    [CName("cdb_len")]
    [FieldOffset(24)]
    public ushort CdbLength;

    [CName("lba")]
    [FieldOffset(32)]
    public long Lba;

    [CName("data_len")]
    [FieldOffset(40)]
    public long DataLength;

    [CName("bufflen")]
    [FieldOffset(48)]
    public int BufferLength;

    [CName("out_bufflen")]
    [FieldOffset(52)]
    public int OutBufferLength;

    [CName("timeout")]
    [FieldOffset(56)]
    public int Timeout;

    [CName("op_flags")]
    [FieldOffset(60)]
    public uint OperationFlags;

    [CName("queue_type")]
    [FieldOffset(64)]
    public byte QueueType;

    [CName("data_direction")]
    [FieldOffset(65)]
    public byte DataDirection;

    [CName("expected_values_set")]
    [FieldOffset(66)]
    public byte ExpectedValuesSet;

    [CName("expected_data_direction")]
    [FieldOffset(67)]
    public byte ExpectedDataDirection;

    [CName("expected_transfer_len")]
    [FieldOffset(68)]
    public int ExpectedTransferLength;

    [CName("expected_out_transfer_len")]
    [FieldOffset(72)]
    public int ExpectedOutTransferLength;

    [CName("sn")]
    [FieldOffset(76)]
    public uint SerialNumber;
}
