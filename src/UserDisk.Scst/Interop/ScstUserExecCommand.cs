using System.Runtime.InteropServices;

namespace UserDisk.Scst.Interop;

/// <summary>
/// <c>struct scst_user_scsi_cmd_exec</c> (ABI-SCST-USER.md §6.7): EXEC payload. alloc_len is meaningful only when pbuf is 0 and the direction is not NONE (the kernel reuses one payload area per command, so it may be stale otherwise).
/// </summary>
/// <remarks>Size 104, C alignment 8. Explicit offsets from the sheet (§16); pointers are user addresses in 64-bit fields.</remarks>
[CName("scst_user_scsi_cmd_exec")]
[StructLayout(LayoutKind.Explicit, Size = 104)]
internal unsafe struct ScstUserExecCommand
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

    [CName("alloc_len")]
    [FieldOffset(52)]
    public int AllocLength;

    [CName("pbuf")]
    [FieldOffset(56)]
    public ulong Buffer;

    [CName("queue_type")]
    [FieldOffset(64)]
    public byte QueueType;

    [CName("data_direction")]
    [FieldOffset(65)]
    public byte DataDirection;

    [CName("partial")]
    [FieldOffset(66)]
    public byte Partial;

    [CName("timeout")]
    [FieldOffset(68)]
    public int Timeout;

    [CName("p_out_buf")]
    [FieldOffset(72)]
    public ulong OutBuffer;

    [CName("out_bufflen")]
    [FieldOffset(80)]
    public int OutBufferLength;

    [CName("sn")]
    [FieldOffset(84)]
    public uint SerialNumber;

    [CName("parent_cmd_h")]
    [FieldOffset(88)]
    public uint ParentCommandHandle;

    [CName("parent_cmd_data_len")]
    [FieldOffset(92)]
    public int ParentCommandDataLength;

    [CName("partial_offset")]
    [FieldOffset(96)]
    public uint PartialOffset;
}
