using System.Runtime.InteropServices;

namespace UserDisk.Scst.Interop;

/// <summary>
/// <c>struct scst_event_tm_fn_received_payload</c> (ABI-SCST-USER.md §9.3): Payload of SCST_EVENT_TM_FN_RECEIVED.
/// </summary>
/// <remarks>Size 1064, C alignment 8. Explicit offsets from the sheet (§16); pointers are user addresses in 64-bit fields.</remarks>
[CName("scst_event_tm_fn_received_payload")]
[StructLayout(LayoutKind.Explicit, Size = 1064)]
internal unsafe struct ScstEventTmFnReceivedPayload
{
    [CName("fn")]
    [FieldOffset(0)]
    public uint Function;

    [CName("lun")]
    [FieldOffset(8)]
    public ulong Lun;

    [CName("device_name")]
    [FieldOffset(16)]
    public fixed byte DeviceName[256];

    [CName("initiator_name")]
    [FieldOffset(272)]
    public fixed byte InitiatorName[256];

    [CName("target_name")]
    [FieldOffset(528)]
    public fixed byte TargetName[256];

    [CName("session_sysfs_name")]
    [FieldOffset(784)]
    public fixed byte SessionSysfsName[256];

    [CName("cmd_to_abort_tag")]
    [FieldOffset(1040)]
    public ulong CommandToAbortTag;

    [CName("cdb")]
    [FieldOffset(1048)]
    public fixed byte Cdb[16];
}
