using System.Runtime.InteropServices;

namespace UserDisk.Scst.Interop;

/// <summary>
/// <c>struct scst_event_lun_not_found_payload</c> (ABI-SCST-USER.md §9.3): Payload of SCST_EVENT_LUN_NOT_FOUND.
/// </summary>
/// <remarks>Size 520, C alignment 8. Explicit offsets from the sheet (§16); pointers are user addresses in 64-bit fields.</remarks>
[CName("scst_event_lun_not_found_payload")]
[StructLayout(LayoutKind.Explicit, Size = 520)]
internal unsafe struct ScstEventLunNotFoundPayload
{
    [CName("lun")]
    [FieldOffset(0)]
    public ulong Lun;

    [CName("initiator_name")]
    [FieldOffset(8)]
    public fixed byte InitiatorName[256];

    [CName("target_name")]
    [FieldOffset(264)]
    public fixed byte TargetName[256];
}
