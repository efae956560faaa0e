using System.Runtime.InteropServices;

namespace UserDisk.Scst.Interop;

/// <summary>
/// <c>struct scst_user_sess</c> (ABI-SCST-USER.md §6.4): ATTACH_SESS / DETACH_SESS payload (for DETACH only sess_h is valid).
/// </summary>
/// <remarks>Size 536, C alignment 8. Explicit offsets from the sheet (§16); pointers are user addresses in 64-bit fields.</remarks>
[CName("scst_user_sess")]
[StructLayout(LayoutKind.Explicit, Size = 536)]
internal unsafe struct ScstUserSession
{
    [CName("sess_h")]
    [FieldOffset(0)]
    public ulong SessionHandle;

    [CName("lun")]
    [FieldOffset(8)]
    public ulong Lun;

    [CName("threads_num")]
    [FieldOffset(16)]
    public ushort ThreadsNumber;

    [CName("rd_only")]
    [FieldOffset(18)]
    public byte ReadOnly;

    [CName("scsi_transport_version")]
    [FieldOffset(20)]
    public ushort ScsiTransportVersion;

    [CName("phys_transport_version")]
    [FieldOffset(22)]
    public ushort PhysicalTransportVersion;

    [CName("initiator_name")]
    [FieldOffset(24)]
    public fixed byte InitiatorName[256];

    [CName("target_name")]
    [FieldOffset(280)]
    public fixed byte TargetName[256];
}
