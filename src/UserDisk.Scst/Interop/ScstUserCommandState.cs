namespace UserDisk.Scst.Interop;

/// <summary>Internal ucmd states; only useful to decode the _IOC_NR of a subcode. (ABI-SCST-USER.md §5)</summary>
internal enum ScstUserCommandState : byte
{
    [CName("UCMD_STATE_NEW")]
    New = 0,

    [CName("UCMD_STATE_PARSING")]
    Parsing = 1,

    [CName("UCMD_STATE_BUF_ALLOCING")]
    BufferAllocating = 2,

    [CName("UCMD_STATE_EXECING")]
    Executing = 3,

    [CName("UCMD_STATE_ON_FREEING")]
    OnFreeing = 4,

    [CName("UCMD_STATE_ON_CACHE_FREEING")]
    OnCacheFreeing = 5,

    [CName("UCMD_STATE_EXT_COPY_REMAPPING")]
    ExtCopyRemapping = 6,

    [CName("UCMD_STATE_ON_FREE_SKIPPED")]
    OnFreeSkipped = 7,

    [CName("UCMD_STATE_TM_RECEIVED_EXECING")]
    TaskManagementReceivedExecuting = 8,

    [CName("UCMD_STATE_TM_DONE_EXECING")]
    TaskManagementDoneExecuting = 9,

    [CName("UCMD_STATE_ATTACH_SESS")]
    AttachSession = 32,

    [CName("UCMD_STATE_DETACH_SESS")]
    DetachSession = 33,
}
