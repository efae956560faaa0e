using System.Runtime.InteropServices;

namespace UserDisk.Scst.Interop;

/// <summary>
/// <c>struct scst_user_prealloc_buffer_in</c> (ABI-SCST-USER.md §6.9): PREALLOC_BUFFER input.
/// </summary>
/// <remarks>Size 16, C alignment 8. Explicit offsets from the sheet (§16); pointers are user addresses in 64-bit fields.</remarks>
[CName("scst_user_prealloc_buffer_in")]
[StructLayout(LayoutKind.Explicit, Size = 16)]
internal struct ScstUserPreallocBufferIn
{
    [CName("pbuf")]
    [FieldOffset(0)]
    public ulong Buffer;

    [CName("bufflen")]
    [FieldOffset(8)]
    public uint BufferLength;

    [CName("for_clust_pool")]
    [FieldOffset(12)]
    public byte ForClusteredPool;
}
