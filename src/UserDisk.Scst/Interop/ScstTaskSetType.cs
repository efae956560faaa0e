namespace UserDisk.Scst.Interop;

/// <summary>scst_user_opt.tst (control mode page TST). (ABI-SCST-USER.md §7.5)</summary>
internal enum ScstTaskSetType : byte
{
    [CName("SCST_TST_0_SINGLE_TASK_SET")]
    SingleTaskSet = 0,

    [CName("SCST_TST_1_SEP_TASK_SETS")]
    SeparateTaskSets = 1,
}
