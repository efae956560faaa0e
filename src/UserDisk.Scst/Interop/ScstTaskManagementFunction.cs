namespace UserDisk.Scst.Interop;

/// <summary>Task management function in tm_cmd.fn. Unknown values: abort what applies and reply success. (ABI-SCST-USER.md §7.3)</summary>
internal enum ScstTaskManagementFunction : uint
{
    [CName("SCST_ABORT_TASK")]
    AbortTask = 0,

    [CName("SCST_ABORT_TASK_SET")]
    AbortTaskSet = 1,

    [CName("SCST_CLEAR_ACA")]
    ClearAca = 2,

    [CName("SCST_CLEAR_TASK_SET")]
    ClearTaskSet = 3,

    [CName("SCST_LUN_RESET")]
    LunReset = 4,

    [CName("SCST_TARGET_RESET")]
    TargetReset = 5,

    [CName("SCST_NEXUS_LOSS_SESS")]
    NexusLossSession = 6,

    [CName("SCST_ABORT_ALL_TASKS_SESS")]
    AbortAllTasksSession = 7,

    [CName("SCST_NEXUS_LOSS")]
    NexusLoss = 8,

    [CName("SCST_ABORT_ALL_TASKS")]
    AbortAllTasks = 9,

    [CName("SCST_UNREG_SESS_TM")]
    UnregisterSession = 10,

    [CName("SCST_PR_ABORT_ALL")]
    PersistentReservationAbortAll = 11,
}
