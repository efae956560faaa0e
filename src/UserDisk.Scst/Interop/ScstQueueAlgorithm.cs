namespace UserDisk.Scst.Interop;

/// <summary>scst_user_opt.queue_alg; restricted reordering makes every non-HEAD-OF-QUEUE command ORDERED. (ABI-SCST-USER.md §7.5, §8.1)</summary>
internal enum ScstQueueAlgorithm : byte
{
    [CName("SCST_QUEUE_ALG_0_RESTRICTED_REORDER")]
    RestrictedReorder = 0,

    [CName("SCST_QUEUE_ALG_1_UNRESTRICTED_REORDER")]
    UnrestrictedReorder = 1,
}
