using System.Runtime.InteropServices;

namespace UserDisk.Scst.Interop;

/// <summary>
/// <c>struct scst_user_ext_copy_remap</c> (ABI-SCST-USER.md §6.9): EXT_COPY_REMAP payload.
/// </summary>
/// <remarks>Size 48, C alignment 8. Explicit offsets from the sheet (§16); pointers are user addresses in 64-bit fields.</remarks>
[CName("scst_user_ext_copy_remap")]
[StructLayout(LayoutKind.Explicit, Size = 48)]
internal struct ScstUserExtCopyRemap
{
    [CName("sess_h")]
    [FieldOffset(0)]
    public ulong SessionHandle;

    [CName("src_sess_h")]
    [FieldOffset(8)]
    public ulong SourceSessionHandle;

    [CName("dst_sess_h")]
    [FieldOffset(16)]
    public ulong DestinationSessionHandle;

    [CName("data_descr")]
    [FieldOffset(24)]
    public ScstUserExtCopyDataDescriptor DataDescriptor;
}
