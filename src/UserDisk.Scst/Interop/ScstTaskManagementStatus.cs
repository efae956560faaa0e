namespace UserDisk.Scst.Interop;

/// <summary>Result of TASK_MGMT_DONE (reply.result); the kernel turns TaskNotExist into Success. (ABI-SCST-USER.md §7.4)</summary>
internal enum ScstTaskManagementStatus : int
{
    [CName("SCST_MGMT_STATUS_SUCCESS")]
    Success = 0,

    [CName("SCST_MGMT_STATUS_TASK_NOT_EXIST")]
    TaskNotExist = -1,

    [CName("SCST_MGMT_STATUS_LUN_NOT_EXIST")]
    LunNotExist = -2,

    [CName("SCST_MGMT_STATUS_FN_NOT_SUPPORTED")]
    FunctionNotSupported = -5,

    [CName("SCST_MGMT_STATUS_REJECTED")]
    Rejected = -255,

    [CName("SCST_MGMT_STATUS_FAILED")]
    Failed = -129,

    [CName("SCST_MGMT_STATUS_RECEIVED_STAGE_COMPLETED")]
    ReceivedStageCompleted = 200,
}
