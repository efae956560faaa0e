namespace UserDisk.Scsi;

/// <summary>What the engine must know about a command before it runs it.</summary>
[Flags]
public enum CommandFlags
{
    None = 0,

    /// <summary>Changes the medium: refused on read-only units and with SWP set (DATA PROTECT).</summary>
    WritesMedium = 1 << 0,

    /// <summary>Runs with a unit attention pending and does not clear it (INQUIRY, REPORT LUNS, REQUEST SENSE; SAM-5).</summary>
    IgnoresUnitAttention = 1 << 1,

    /// <summary>Transfers data from the initiator.</summary>
    DataOut = 1 << 2,

    /// <summary>Transfers data to the initiator.</summary>
    DataIn = 1 << 3,

    /// <summary>Listed only when the backstore can deallocate (UNMAP).</summary>
    NeedsUnmap = 1 << 4,
}
