using System.Runtime.InteropServices;

namespace UserDisk.Scst.Interop;

/// <summary>
/// <c>struct scst_user_scsi_on_free_cmd</c> (ABI-SCST-USER.md §6.8): ON_FREE_CMD payload. delivery_status is a uint8_t, so the negative SCST_CMD_DELIVERY_* values arrive as 255/254.
/// </summary>
/// <remarks>Size 16, C alignment 8. Explicit offsets from the sheet (§16); pointers are user addresses in 64-bit fields.</remarks>
[CName("scst_user_scsi_on_free_cmd")]
[StructLayout(LayoutKind.Explicit, Size = 16)]
internal struct ScstUserOnFreeCommand
{
    [CName("pbuf")]
    [FieldOffset(0)]
    public ulong Buffer;

    [CName("resp_data_len")]
    [FieldOffset(8)]
    public int ResponseDataLength;

    [CName("buffer_cached")]
    [FieldOffset(12)]
    public byte BufferCached;

    [CName("aborted")]
    [FieldOffset(13)]
    public byte Aborted;

    [CName("status")]
    [FieldOffset(14)]
    public byte Status;

    [CName("delivery_status")]
    [FieldOffset(15)]
    public byte DeliveryStatus;
}
