namespace UserDisk.Scst.Interop;

/// <summary>on_free_cmd.delivery_status, read as a signed byte (the field is uint8_t, so -1 arrives as 255). (ABI-SCST-USER.md §7.5, §6.8)</summary>
internal enum ScstCommandDeliveryStatus : sbyte
{
    [CName("SCST_CMD_DELIVERY_SUCCESS")]
    Success = 0,

    [CName("SCST_CMD_DELIVERY_FAILED")]
    Failed = -1,

    [CName("SCST_CMD_DELIVERY_ABORTED")]
    Aborted = -2,
}
