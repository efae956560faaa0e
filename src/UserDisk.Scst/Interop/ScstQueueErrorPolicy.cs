namespace UserDisk.Scst.Interop;

/// <summary>scst_user_opt.qerr (control mode page QErr); Reserved is refused with EINVAL. (ABI-SCST-USER.md §7.5)</summary>
internal enum ScstQueueErrorPolicy : byte
{
    [CName("SCST_QERR_0_ALL_RESUME")]
    AllResume = 0,

    [CName("SCST_QERR_1_ABORT_ALL")]
    AbortAll = 1,

    [CName("SCST_QERR_2_RESERVED")]
    Reserved = 2,

    [CName("SCST_QERR_3_ABORT_THIS_NEXUS_ONLY")]
    AbortThisNexusOnly = 3,
}
