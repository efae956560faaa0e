using System.Runtime.InteropServices;

namespace UserDisk.Scst.Interop;

/// <summary>
/// <c>struct scst_event_stpg_descr</c> (ABI-SCST-USER.md §9.3): One target port group of an SCST_EVENT_STPG_USER_INVOKE payload.
/// </summary>
/// <remarks>Size 194, C alignment 2. Explicit offsets from the sheet (§16); pointers are user addresses in 64-bit fields.</remarks>
[CName("scst_event_stpg_descr")]
[StructLayout(LayoutKind.Explicit, Size = 194)]
internal unsafe struct ScstEventStpgDescriptor
{
    [CName("group_id")]
    [FieldOffset(0)]
    public ushort GroupId;

    [CName("prev_state")]
    [FieldOffset(2)]
    public fixed byte PreviousState[32];

    [CName("new_state")]
    [FieldOffset(34)]
    public fixed byte NewState[32];

    [CName("dg_name")]
    [FieldOffset(66)]
    public fixed byte DeviceGroupName[64];

    [CName("tg_name")]
    [FieldOffset(130)]
    public fixed byte TargetGroupName[64];
}
