namespace UserDisk.Scst.Interop;

/// <summary>scst_user_opt.d_sense (control mode page D_SENSE). (ABI-SCST-USER.md §7.5)</summary>
internal enum ScstSenseFormat : byte
{
    [CName("SCST_D_SENSE_0_FIXED_SENSE")]
    Fixed = 0,

    [CName("SCST_D_SENSE_1_DESCR_SENSE")]
    Descriptor = 1,
}
