using System.Runtime.InteropServices;

namespace UserDisk.Scst.Interop;

/// <summary>
/// <c>struct scst_user_get_ext_cdb</c> (ABI-SCST-USER.md §6.9): GET_EXTENDED_CDB argument: the buffer receives CDB bytes 16..cdb_len-1.
/// </summary>
/// <remarks>Size 16, C alignment 8. Explicit offsets from the sheet (§16); pointers are user addresses in 64-bit fields.</remarks>
[CName("scst_user_get_ext_cdb")]
[StructLayout(LayoutKind.Explicit, Size = 16)]
internal struct ScstUserGetExtendedCdb
{
    [CName("cmd_h")]
    [FieldOffset(0)]
    public uint CommandHandle;

    [CName("ext_cdb_buffer")]
    [FieldOffset(8)]
    public ulong ExtendedCdbBuffer;
}
