namespace UserDisk.Scst.Interop;

/// <summary>op_flags (scst_cdb_flags). 0x8000 exists only in special kernel builds and is left out. (ABI-SCST-USER.md §7.6)</summary>
[Flags]
internal enum ScstCdbFlags : uint
{
    [CName("SCST_SMALL_TIMEOUT")]
    SmallTimeout = 0x1,

    [CName("SCST_LONG_TIMEOUT")]
    LongTimeout = 0x2,

    [CName("SCST_TRANSFER_LEN_TYPE_FIXED")]
    TransferLengthTypeFixed = 0x4,

    [CName("SCST_UNKNOWN_LBA")]
    UnknownLba = 0x8,

    [CName("SCST_UNKNOWN_LENGTH")]
    UnknownLength = 0x10,

    [CName("SCST_INFO_VALID")]
    InfoValid = 0x20,

    [CName("SCST_LBA_NOT_VALID")]
    LbaNotValid = 0x40,

    [CName("SCST_IMPLICIT_HQ")]
    ImplicitHeadOfQueue = 0x80,

    [CName("SCST_SKIP_UA")]
    SkipUnitAttention = 0x100,

    [CName("SCST_WRITE_MEDIUM")]
    WriteMedium = 0x200,

    [CName("SCST_LOCAL_CMD")]
    LocalCommand = 0x400,

    [CName("SCST_FULLY_LOCAL_CMD")]
    FullyLocalCommand = 0x800,

    [CName("SCST_REG_RESERVE_ALLOWED")]
    RegistrantReserveAllowed = 0x1000,

    [CName("SCST_WRITE_EXCL_ALLOWED")]
    WriteExclusiveAllowed = 0x2000,

    [CName("SCST_EXCL_ACCESS_ALLOWED")]
    ExclusiveAccessAllowed = 0x4000,

    [CName("SCST_SERIALIZED")]
    Serialized = 0x10000,

    [CName("SCST_STRICTLY_SERIALIZED")]
    StrictlySerialized = 0x30000,

    [CName("SCST_CAN_GEN_3PARTY_COMMANDS")]
    CanGenerateThirdPartyCommands = 0x40000,

    [CName("SCST_DESCRIPTORS_BASED")]
    DescriptorsBased = 0x80000,

    [CName("SCST_SCSI_ATOMIC")]
    ScsiAtomic = 0x100000,
}
