using System.Runtime.InteropServices;

namespace UserDisk.Scst.Interop;

/// <summary>
/// <c>struct scst_event_user</c> (ABI-SCST-USER.md §9.2): GET_NEXT_EVENT argument: the received payload is at byte 66 of the buffer, not 8-byte aligned.
/// </summary>
/// <remarks>Size 68, C alignment 4. Explicit offsets from the sheet (§16); pointers are user addresses in 64-bit fields.</remarks>
[CName("scst_event_user")]
[StructLayout(LayoutKind.Explicit, Size = 68)]
internal struct ScstEventUser
{
    [CName("max_event_size")]
    [FieldOffset(0)]
    public int MaxEventSize;

    [CName("out_event")]
    [FieldOffset(4)]
    public ScstEvent OutEvent;
}
