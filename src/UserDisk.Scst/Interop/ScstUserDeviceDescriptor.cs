using System.Runtime.InteropServices;

namespace UserDisk.Scst.Interop;

/// <summary>
/// <c>struct scst_user_dev_desc</c> (ABI-SCST-USER.md §6.2): REGISTER_DEVICE argument. The kernel reads a fixed len(version)+1 bytes from both string pointers (§3.4), so they must point to zero-padded buffers (128 bytes is safe).
/// </summary>
/// <remarks>Size 160, C alignment 8. Explicit offsets from the sheet (§16); pointers are user addresses in 64-bit fields.</remarks>
[CName("scst_user_dev_desc")]
[StructLayout(LayoutKind.Explicit, Size = 160)]
internal unsafe struct ScstUserDeviceDescriptor
{
    [CName("version_str")]
    [FieldOffset(0)]
    public ulong VersionString;

    [CName("license_str")]
    [FieldOffset(8)]
    public ulong LicenseString;

    [CName("type")]
    [FieldOffset(16)]
    public byte DeviceType;

    [CName("sgv_shared")]
    [FieldOffset(17)]
    public byte SgvShared;

    [CName("sgv_disable_clustered_pool")]
    [FieldOffset(18)]
    public byte SgvDisableClusteredPool;

    [CName("sgv_single_alloc_pages")]
    [FieldOffset(20)]
    public int SgvSingleAllocPages;

    [CName("sgv_purge_interval")]
    [FieldOffset(24)]
    public int SgvPurgeInterval;

    [CName("opt")]
    [FieldOffset(28)]
    public ScstUserOptions Options;

    [CName("block_size")]
    [FieldOffset(48)]
    public uint BlockSize;

    [CName("enable_pr_cmds_notifications")]
    [FieldOffset(52)]
    public byte EnablePersistentReservationNotifications;

    [CName("name")]
    [FieldOffset(53)]
    public fixed byte Name[50];

    [CName("sgv_name")]
    [FieldOffset(103)]
    public fixed byte SgvName[50];
}
