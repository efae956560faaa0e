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

    /// <summary>Largest READ/WRITE in bytes (Block Limits VPD MAXIMUM TRANSFER LENGTH).</summary>
    public int MaxTransferBytes { get; init; } = 8 * 1024 * 1024;

    /// <summary>Largest COMPARE AND WRITE in blocks (Block Limits VPD, at most 255).</summary>
    public byte MaxCompareAndWriteBlocks { get; init; } = 255;

    /// <summary>Largest UNMAP or WRITE SAME range in blocks.</summary>
    public uint MaxUnmapBlocks { get; init; } = 0x0040_0000;

    /// <summary>Largest number of UNMAP block descriptors in one command.</summary>
    public uint MaxUnmapDescriptors { get; init; } = 256;

    /// <summary>Version descriptor of the transport that serves the unit (e.g. 0960h iSCSI), 0 for none.</summary>
    public ushort TransportVersionDescriptor { get; init; }

    /// <summary>Report POWER ON, RESET, OR BUS DEVICE RESET OCCURRED to each new I_T nexus (SAM-5).</summary>
    public bool PowerOnUnitAttention { get; init; } = true;
}
