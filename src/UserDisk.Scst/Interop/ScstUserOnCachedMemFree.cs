using System.Runtime.InteropServices;

namespace UserDisk.Scst.Interop;

/// <summary>
/// <c>struct scst_user_on_cached_mem_free</c> (ABI-SCST-USER.md §6.9): ON_CACHED_MEM_FREE payload: the SGV cache evicted this buffer; free it now.
/// </summary>
/// <remarks>Size 8, C alignment 8. Explicit offsets from the sheet (§16); pointers are user addresses in 64-bit fields.</remarks>
[CName("scst_user_on_cached_mem_free")]
[StructLayout(LayoutKind.Explicit, Size = 8)]
internal struct ScstUserOnCachedMemFree
{
    [CName("pbuf")]
    [FieldOffset(0)]
    public ulong Buffer;
}
