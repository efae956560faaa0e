using System.Runtime.InteropServices;

namespace UserDisk.Scst.Interop;

/// <summary>
/// <c>struct scst_event_reg_vdev_payload</c> (ABI-SCST-USER.md §9.3): Payload of SCST_EVENT_REG_VIRT_DEV (§9.4): the NUL-terminated device name.
/// </summary>
/// <remarks>Size 60, C alignment 1. Explicit offsets from the sheet (§16); pointers are user addresses in 64-bit fields.</remarks>
[CName("scst_event_reg_vdev_payload")]
[StructLayout(LayoutKind.Explicit, Size = 60)]
internal unsafe struct ScstEventRegVirtDevPayload
{
    [CName("device_name")]
    [FieldOffset(0)]
    public fixed byte DeviceName[60];
}
