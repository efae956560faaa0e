using System.Runtime.InteropServices;

namespace UserDisk.Scst.Interop;

/// <summary>
/// <c>struct scst_event</c> (ABI-SCST-USER.md §9.2): Header of every event and the ALLOW/DISALLOW filter format. The payload starts at 62, not at sizeof (64).
/// </summary>
/// <remarks>Size 64, C alignment 4. Explicit offsets from the sheet (§16); pointers are user addresses in 64-bit fields.</remarks>
[CName("scst_event")]
[StructLayout(LayoutKind.Explicit, Size = 64)]
internal unsafe struct ScstEvent
{
    [CName("payload_len")]
    [FieldOffset(0)]
    public int PayloadLength;

    [CName("event_code")]
    [FieldOffset(4)]
    public uint EventCode;

    [CName("event_id")]
    [FieldOffset(8)]
    public uint EventId;

    [CName("issuer_name")]
    [FieldOffset(12)]
    public fixed byte IssuerName[50];

    /// <summary>Offset of the flexible array member <c>payload[]</c>, which has no C# field.</summary>
    [CName("payload")]
    public const int PayloadOffset = 62;
}
