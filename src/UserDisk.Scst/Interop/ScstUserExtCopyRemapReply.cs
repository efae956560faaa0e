using System.Runtime.InteropServices;

namespace UserDisk.Scst.Interop;

/// <summary>
/// <c>struct scst_user_ext_copy_reply_remap</c> (ABI-SCST-USER.md §6.14): EXT_COPY_REMAP reply: leftover ranges the core copies itself (0 bytes = all remapped), or status and sense.
/// </summary>
/// <remarks>Size 24, C alignment 8. Explicit offsets from the sheet (§16); pointers are user addresses in 64-bit fields.</remarks>
[CName("scst_user_ext_copy_reply_remap")]
[StructLayout(LayoutKind.Explicit, Size = 24)]
internal struct ScstUserExtCopyRemapReply
{
    [CName("remap_descriptors")]
    [FieldOffset(0)]
    public ulong RemapDescriptors;

    [CName("remap_descriptors_len")]
    [FieldOffset(8)]
    public ushort RemapDescriptorsLength;

    [CName("status")]
    [FieldOffset(10)]
    public byte Status;

    [CName("sense_len")]
    [FieldOffset(11)]
    public byte SenseLength;

    [CName("psense_buffer")]
    [FieldOffset(16)]
    public ulong SenseBuffer;
}
