using System.Runtime.InteropServices;

namespace UserDisk.Scst.Interop;

/// <summary>
/// <c>struct scst_user_scsi_cmd_alloc_mem</c> (ABI-SCST-USER.md §6.6): ALLOC_MEM payload: allocate alloc_len bytes (page aligned when the direction is cached, §8.6).
/// </summary>
/// <remarks>Size 40, C alignment 8. Explicit offsets from the sheet (§16); pointers are user addresses in 64-bit fields.</remarks>
[CName("scst_user_scsi_cmd_alloc_mem")]
[StructLayout(LayoutKind.Explicit, Size = 40)]
internal unsafe struct ScstUserAllocMemCommand
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

    [CName("alloc_len")]
    [FieldOffset(28)]
    public int AllocLength;

    [CName("queue_type")]
    [FieldOffset(32)]
    public byte QueueType;

    [CName("data_direction")]
    [FieldOffset(33)]
    public byte DataDirection;

    [CName("sn")]
    [FieldOffset(36)]
    public uint SerialNumber;
}
