using System.Runtime.InteropServices;

namespace UserDisk.Scst.Interop;

/// <summary>
/// <c>struct scst_event_negative_luns_inquiry_payload</c> (ABI-SCST-USER.md §9.3): Payload of SCST_EVENT_NEGATIVE_LUNS_INQUIRY.
/// </summary>
/// <remarks>Size 512, C alignment 1. Explicit offsets from the sheet (§16); pointers are user addresses in 64-bit fields.</remarks>
[CName("scst_event_negative_luns_inquiry_payload")]
[StructLayout(LayoutKind.Explicit, Size = 512)]
internal unsafe struct ScstEventNegativeLunsInquiryPayload
{
    [CName("initiator_name")]
    [FieldOffset(0)]
    public fixed byte InitiatorName[256];

    [CName("target_name")]
    [FieldOffset(256)]
    public fixed byte TargetName[256];
}
