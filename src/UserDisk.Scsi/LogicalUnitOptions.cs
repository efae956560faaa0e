namespace UserDisk.Scsi;

/// <summary>How a logical unit presents itself. Defaults suit a Linux, ESXi or Windows initiator.</summary>
public sealed class LogicalUnitOptions
{
    /// <summary>T10 vendor identification, 8 ASCII characters (padded with spaces).</summary>
    public string Vendor { get; init; } = "USERDISK";

    /// <summary>Product identification, 16 ASCII characters.</summary>
    public string Product { get; init; } = "VIRTUAL DISK";

    /// <summary>Product revision level, 4 ASCII characters.</summary>
    public string Revision { get; init; } = "0001";

    /// <summary>Unit serial number (VPD 80h); derived from the backstore identity when null.</summary>
    public string? SerialNumber { get; init; }

    /// <summary>Refuse medium writes even if the backstore could take them.</summary>
    public bool ReadOnly { get; init; }

    /// <summary>Initial write-back cache state (Caching mode page WCE). With WCE=0 every write is FUA.</summary>
    public bool WriteCacheEnabled { get; init; } = true;

    /// <summary>Initial D_SENSE (Control mode page): descriptor-format sense when true.</summary>
    public bool DescriptorSense { get; init; }

    /// <summary>
    /// Largest READ/WRITE in bytes (Block Limits VPD MAXIMUM TRANSFER LENGTH). Generous because some initiators and
    /// test suites send 32 MiB transfers without reading the limit; front ends bound the memory in flight instead.
    /// </summary>
    public int MaxTransferBytes { get; init; } = 64 * 1024 * 1024;

    /// <summary>
    /// READ CAPACITY(16) LOGICAL BLOCKS PER PHYSICAL BLOCK EXPONENT. 0 (physical = logical) by default: with 512-byte
    /// blocks on 4 KiB pages an exponent of 3 would be truer, but libiscsi's GET LBA STATUS tests assume 0.
    /// </summary>
    public byte PhysicalBlockExponent { get; init; }

    /// <summary>Largest COMPARE AND WRITE in blocks (Block Limits VPD, at most 255).</summary>
    public byte MaxCompareAndWriteBlocks { get; init; } = 255;

    /// <summary>Largest UNMAP or WRITE SAME range in blocks.</summary>
    public uint MaxUnmapBlocks { get; init; } = 0x0010_0000;

    /// <summary>Largest number of UNMAP block descriptors in one command.</summary>
    public uint MaxUnmapDescriptors { get; init; } = 256;

    /// <summary>Version descriptor of the transport that serves the unit (e.g. 0960h iSCSI), 0 for none.</summary>
    public ushort TransportVersionDescriptor { get; init; }

    /// <summary>Report POWER ON, RESET, OR BUS DEVICE RESET OCCURRED to each new I_T nexus (SAM-5).</summary>
    public bool PowerOnUnitAttention { get; init; } = true;

    /// <summary>
    /// The engine owns reservations: SPC-2 RESERVE/RELEASE and SPC-5 persistent reservations, with the conflict check
    /// on every command. True for front ends with no SCSI core underneath (the embedded iSCSI target). False for a
    /// front end under a core that does reservations itself (SCST): PERSISTENT RESERVE IN/OUT are then not offered
    /// (REPORT SUPPORTED OPERATION CODES does not list them) and RESERVE/RELEASE complete with GOOD and no bookkeeping.
    /// </summary>
    public bool ReservationsByEngine { get; init; } = true;

    /// <summary>
    /// The engine raises unit attentions (POWER ON, RESET, CAPACITY DATA HAS CHANGED, MODE PARAMETERS CHANGED…). True
    /// for the embedded iSCSI target. False under SCST, whose core raises them for every device (ABI-SCST-USER.md
    /// §13.1): the engine would otherwise report each condition a second time.
    /// </summary>
    public bool UnitAttentionsByEngine { get; init; } = true;

    /// <summary>
    /// File that keeps the persistent reservation state across restarts while an initiator has activated persist
    /// through power loss (APTPL=1, SPC-5 5.13.5). Read when the unit is constructed (a corrupt file stops the unit
    /// from starting); written atomically on every change while APTPL is active; deleted when APTPL is turned off.
    /// Null: APTPL is not offered (REPORT CAPABILITIES PTPL_C=0, APTPL=1 is INVALID FIELD IN PARAMETER LIST).
    /// </summary>
    public string? ReservationStatePath { get; init; }
}
