using System.Runtime.InteropServices;

namespace UserDisk.Scst.Interop;

/// <summary>
/// <c>struct scst_event_ext_blocking_done_payload</c> (ABI-SCST-USER.md §9.3): Payload of SCST_EVENT_EXT_BLOCKING_DONE; data_len bytes of data follow at 260.
/// </summary>
/// <remarks>Size 260, C alignment 4. Explicit offsets from the sheet (§16); pointers are user addresses in 64-bit fields.</remarks>
[CName("scst_event_ext_blocking_done_payload")]
[StructLayout(LayoutKind.Explicit, Size = 260)]
internal unsafe struct ScstEventExtBlockingDonePayload
{
    [CName("device_name")]
    [FieldOffset(0)]
    public fixed byte DeviceName[256];

    [CName("data_len")]
    [FieldOffset(256)]
    public uint DataLength;

    /// <summary>Offset of the flexible array member <c>data[]</c>, which has no C# field.</summary>
    [CName("data")]
    public const int DataOffset = 260;
}
