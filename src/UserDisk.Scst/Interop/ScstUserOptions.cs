using System.Runtime.InteropServices;

namespace UserDisk.Scst.Interop;

/// <summary>
/// <c>struct scst_user_opt</c> (ABI-SCST-USER.md §6.1): Device options: embedded in the device descriptor, read and written by GET/SET_OPTIONS.
/// </summary>
/// <remarks>Size 20, C alignment 4. Explicit offsets from the sheet (§16); pointers are user addresses in 64-bit fields.</remarks>
[CName("scst_user_opt")]
[StructLayout(LayoutKind.Explicit, Size = 20)]
internal struct ScstUserOptions
{
    [CName("parse_type")]
    [FieldOffset(0)]
    public byte ParseType;

    [CName("on_free_cmd_type")]
    [FieldOffset(1)]
    public byte OnFreeCommandType;

    [CName("memory_reuse_type")]
    [FieldOffset(2)]
    public byte MemoryReuseType;

    [CName("partial_transfers_type")]
    [FieldOffset(3)]
    public byte PartialTransfersType;

    [CName("partial_len")]
    [FieldOffset(4)]
    public int PartialLength;

    [CName("tst")]
    [FieldOffset(8)]
    public byte TaskSetType;

    [CName("tmf_only")]
    [FieldOffset(9)]
    public byte TmfOnly;

    [CName("queue_alg")]
    [FieldOffset(10)]
    public byte QueueAlgorithm;

    [CName("qerr")]
    [FieldOffset(11)]
    public byte QueueErrorPolicy;

    [CName("tas")]
    [FieldOffset(12)]
    public byte TaskAbortedStatus;

    [CName("swp")]
    [FieldOffset(13)]
    public byte SoftwareWriteProtect;

    [CName("d_sense")]
    [FieldOffset(14)]
    public byte DescriptorSense;

    [CName("has_own_order_mgmt")]
    [FieldOffset(15)]
    public byte HasOwnOrderManagement;

    [CName("ext_copy_remap_supported")]
    [FieldOffset(16)]
    public byte ExtendedCopyRemapSupported;
}
