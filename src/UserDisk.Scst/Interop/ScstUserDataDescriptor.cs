using System.Runtime.InteropServices;

namespace UserDisk.Scst.Interop;

/// <summary>
/// <c>struct scst_user_data_descriptor</c> (ABI-SCST-USER.md §6.9): One DO_WRITE_SAME range; the last entry of an array has usdd_blocks 0.
/// </summary>
/// <remarks>Size 16, C alignment 8. Explicit offsets from the sheet (§16); pointers are user addresses in 64-bit fields.</remarks>
[CName("scst_user_data_descriptor")]
[StructLayout(LayoutKind.Explicit, Size = 16)]
internal struct ScstUserDataDescriptor
{
    [CName("usdd_lba")]
    [FieldOffset(0)]
    public ulong Lba;

    [CName("usdd_blocks")]
    [FieldOffset(8)]
    public ulong Blocks;
}
