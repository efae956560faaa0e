namespace UserDisk.Scst.Interop;

/// <summary>scst_user_opt.on_free_cmd_type: whether ON_FREE_CMD is sent. (ABI-SCST-USER.md §7.5, §8.1)</summary>
internal enum ScstUserOnFreeCommandType : byte
{
    [CName("SCST_USER_ON_FREE_CMD_CALL")]
    Call = 0,

    [CName("SCST_USER_ON_FREE_CMD_IGNORE")]
    Ignore = 1,
}
