namespace UserDisk.Scsi;

/// <summary>Which way data moves, as the transport announced it.</summary>
public enum DataDirection : byte
{
    None = 0,

    /// <summary>Data-in: from the logical unit to the initiator (reads).</summary>
    Read = 1,

    /// <summary>Data-out: from the initiator to the logical unit (writes).</summary>
    Write = 2,

    Bidirectional = 3,
}
