namespace UserDisk.Scst.Interop;

/// <summary>event_code of a /dev/scst_event event (0 in a filter means any). (ABI-SCST-USER.md §9.3)</summary>
internal enum ScstEventCode : uint
{
    [CName("SCST_EVENT_LUN_NOT_FOUND")]
    LunNotFound = 1,

    [CName("SCST_EVENT_NEGATIVE_LUNS_INQUIRY")]
    NegativeLunsInquiry = 2,

    [CName("SCST_EVENT_EXT_BLOCKING_DONE")]
    ExtBlockingDone = 3,

    [CName("SCST_EVENT_TM_FN_RECEIVED")]
    TaskManagementFunctionReceived = 4,

    [CName("SCST_EVENT_STPG_USER_INVOKE")]
    StpgUserInvoke = 5,

    [CName("SCST_EVENT_REG_VIRT_DEV")]
    RegisterVirtualDevice = 6,
}
