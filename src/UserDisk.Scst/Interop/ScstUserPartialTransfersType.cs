namespace UserDisk.Scst.Interop;

/// <summary>scst_user_opt.partial_transfers_type: accepted and stored by the kernel, no effect. (ABI-SCST-USER.md §7.5)</summary>
internal enum ScstUserPartialTransfersType : byte
{
    [CName("SCST_USER_PARTIAL_TRANSFERS_NOT_SUPPORTED")]
    NotSupported = 0,

    [CName("SCST_USER_PARTIAL_TRANSFERS_SUPPORTED_ORDERED")]
    SupportedOrdered = 1,

    [CName("SCST_USER_PARTIAL_TRANSFERS_SUPPORTED")]
    Supported = 2,
}
