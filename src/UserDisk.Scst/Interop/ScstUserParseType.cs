namespace UserDisk.Scst.Interop;

/// <summary>scst_user_opt.parse_type: who computes direction and lengths. (ABI-SCST-USER.md §7.5, §8.1)</summary>
internal enum ScstUserParseType : byte
{
    [CName("SCST_USER_PARSE_STANDARD")]
    Standard = 0,

    [CName("SCST_USER_PARSE_CALL")]
    Call = 1,

    [CName("SCST_USER_PARSE_EXCEPTION")]
    Exception = 2,
}
