namespace UserDisk.Scst.Interop;

/// <summary>scst_user_scsi_cmd_reply_exec.reply_type. (ABI-SCST-USER.md §7.5, §8.5)</summary>
internal enum ScstExecReplyType : byte
{
    [CName("SCST_EXEC_REPLY_BACKGROUND")]
    Background = 0,

    [CName("SCST_EXEC_REPLY_COMPLETED")]
    Completed = 1,

    [CName("SCST_EXEC_REPLY_DO_WRITE_SAME")]
    DoWriteSame = 2,
}
