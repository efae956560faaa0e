namespace UserDisk.Scst.Interop;

/// <summary>scst_user_opt.memory_reuse_type: which directions use the SGV buffer cache. (ABI-SCST-USER.md §7.5, §8.6)</summary>
internal enum ScstUserMemoryReuseType : byte
{
    [CName("SCST_USER_MEM_NO_REUSE")]
    NoReuse = 0,

    [CName("SCST_USER_MEM_REUSE_READ")]
    ReuseRead = 1,

    [CName("SCST_USER_MEM_REUSE_WRITE")]
    ReuseWrite = 2,

    [CName("SCST_USER_MEM_REUSE_ALL")]
    ReuseAll = 3,
}
