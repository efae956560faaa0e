using System.Runtime.InteropServices;

namespace UserDisk.Scst.Interop;

/// <summary>
/// <c>struct scst_user_prealloc_buffer_out</c> (ABI-SCST-USER.md §6.9): PREALLOC_BUFFER output: the handle later reported by ON_CACHED_MEM_FREE.
/// </summary>
/// <remarks>Size 4, C alignment 4. Explicit offsets from the sheet (§16); pointers are user addresses in 64-bit fields.</remarks>
[CName("scst_user_prealloc_buffer_out")]
[StructLayout(LayoutKind.Explicit, Size = 4)]
internal struct ScstUserPreallocBufferOut
{
    [CName("cmd_h")]
    [FieldOffset(0)]
    public uint CommandHandle;
}
