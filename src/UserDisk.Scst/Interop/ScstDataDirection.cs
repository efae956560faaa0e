namespace UserDisk.Scst.Interop;

/// <summary>Data direction of a command (bit-mask style: (direction &amp; Read) != 0 means "has data-in"). (ABI-SCST-USER.md §7.1)</summary>
internal enum ScstDataDirection : byte
{
    [CName("SCST_DATA_UNKNOWN")]
    Unknown = 0,

    [CName("SCST_DATA_WRITE")]
    Write = 1,

    [CName("SCST_DATA_READ")]
    Read = 2,

    [CName("SCST_DATA_BIDI")]
    Bidirectional = 3,

    [CName("SCST_DATA_NONE")]
    None = 4,
}
