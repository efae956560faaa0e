using System.Runtime.InteropServices;

namespace UserDisk.Scst.Interop;

/// <summary>
/// <c>struct scst_event_notify_done</c> (ABI-SCST-USER.md §9.2): NOTIFY_DONE argument (only STPG events need it).
/// </summary>
/// <remarks>Size 8, C alignment 4. Explicit offsets from the sheet (§16); pointers are user addresses in 64-bit fields.</remarks>
[CName("scst_event_notify_done")]
[StructLayout(LayoutKind.Explicit, Size = 8)]
internal struct ScstEventNotifyDone
{
    [CName("event_id")]
    [FieldOffset(0)]
    public uint EventId;

    [CName("status")]
    [FieldOffset(4)]
    public int Status;
}
