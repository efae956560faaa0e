using System.Runtime.InteropServices;

namespace UserDisk.Scst.Interop;

/// <summary>
/// <c>struct scst_user_tm</c> (ABI-SCST-USER.md §6.9): TASK_MGMT_RECEIVED / TASK_MGMT_DONE payload. cmd_h_to_abort is 0 both for "no record" and for the legal handle 0 (§8.8).
/// </summary>
/// <remarks>Size 24, C alignment 8. Explicit offsets from the sheet (§16); pointers are user addresses in 64-bit fields.</remarks>
[CName("scst_user_tm")]
[StructLayout(LayoutKind.Explicit, Size = 24)]
internal struct ScstUserTaskManagement
{
    [CName("sess_h")]
    [FieldOffset(0)]
    public ulong SessionHandle;

    [CName("fn")]
    [FieldOffset(8)]
    public uint Function;

    [CName("cmd_h_to_abort")]
    [FieldOffset(12)]
    public uint CommandHandleToAbort;

    [CName("cmd_sn")]
    [FieldOffset(16)]
    public uint CommandSerialNumber;

    [CName("cmd_sn_set")]
    [FieldOffset(20)]
    public byte CommandSerialNumberSet;
}
