using System.Runtime.InteropServices;

namespace UserDisk.Scst.Interop;

/// <summary>
/// <c>union scst_user_prealloc_buffer</c> (ABI-SCST-USER.md §6.9): PREALLOC_BUFFER argument. out.cmd_h overwrites the low 4 bytes of in.pbuf: keep your own copy of the address.
/// </summary>
/// <remarks>Size 16, C alignment 8. Explicit offsets from the sheet (§16); pointers are user addresses in 64-bit fields.</remarks>
[CName("scst_user_prealloc_buffer")]
[StructLayout(LayoutKind.Explicit, Size = 16)]
internal struct ScstUserPreallocBuffer
{
    [CName("in")]
    [FieldOffset(0)]
    public ScstUserPreallocBufferIn In;

    [CName("out")]
    [FieldOffset(0)]
    public ScstUserPreallocBufferOut Out;
}
