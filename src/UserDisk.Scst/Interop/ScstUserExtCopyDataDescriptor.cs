using System.Runtime.InteropServices;

namespace UserDisk.Scst.Interop;

/// <summary>
/// <c>struct scst_user_ext_copy_data_descr</c> (ABI-SCST-USER.md §6.9): One EXTENDED COPY range; data_len is in bytes, not blocks.
/// </summary>
/// <remarks>Size 24, C alignment 8. Explicit offsets from the sheet (§16); pointers are user addresses in 64-bit fields.</remarks>
[CName("scst_user_ext_copy_data_descr")]
[StructLayout(LayoutKind.Explicit, Size = 24)]
internal struct ScstUserExtCopyDataDescriptor
{
    [CName("src_lba")]
    [FieldOffset(0)]
    public ulong SourceLba;

    [CName("dst_lba")]
    [FieldOffset(8)]
    public ulong DestinationLba;

    [CName("data_len")]
    [FieldOffset(16)]
    public uint DataLength;
}
