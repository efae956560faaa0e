namespace UserDisk.Scst.Interop;

/// <summary>Sizes and limits (ABI-SCST-USER.md §7.7).</summary>
internal static class ScstLimits
{
    [CName("SCST_MAX_CDB_SIZE")]
    public const int MaxCdbSize = 16;

    [CName("SCST_MAX_LONG_CDB_SIZE")]
    public const int MaxLongCdbSize = 65536;

    [CName("SCST_MAX_NAME")]
    public const int MaxName = 50;

    [CName("SCST_MAX_EXTERNAL_NAME")]
    public const int MaxExternalName = 256;

    [CName("SCST_MAX_LUN")]
    public const int MaxLun = 16383;

    [CName("SCST_STANDARD_SENSE_LEN")]
    public const int StandardSenseLength = 18;

    [CName("SCST_SENSE_BUFFERSIZE")]
    public const int SenseBufferSize = 252;
}
