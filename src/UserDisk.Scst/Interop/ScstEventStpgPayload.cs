using System.Runtime.InteropServices;

namespace UserDisk.Scst.Interop;

/// <summary>
/// <c>struct scst_event_stpg_payload</c> (ABI-SCST-USER.md §9.3): Payload of SCST_EVENT_STPG_USER_INVOKE; stpg_descriptors_cnt descriptors of 194 bytes follow at 74 (not at sizeof).
/// </summary>
/// <remarks>Size 80, C alignment 8. Explicit offsets from the sheet (§16); pointers are user addresses in 64-bit fields.</remarks>
[CName("scst_event_stpg_payload")]
[StructLayout(LayoutKind.Explicit, Size = 80)]
internal unsafe struct ScstEventStpgPayload
{
    [CName("stpg_cmd_tag")]
    [FieldOffset(0)]
    public ulong StpgCommandTag;

    [CName("device_name")]
    [FieldOffset(8)]
    public fixed byte DeviceName[64];

    [CName("stpg_descriptors_cnt")]
    [FieldOffset(72)]
    public ushort StpgDescriptorsCount;

    /// <summary>Offset of the flexible array member <c>stpg_descriptors[]</c>, which has no C# field.</summary>
    [CName("stpg_descriptors")]
    public const int DescriptorsOffset = 74;
}
