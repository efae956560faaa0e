namespace UserDisk.Scsi;

/// <summary>
/// How a command fares against a reservation held by another I_T nexus: the rows of SPC-5 table "SPC commands that
/// are allowed in the presence of various reservations" and SBC-4 table 13, folded into the few patterns they use.
/// The engine reports ALLOW COMMANDS 011b (REPORT CAPABILITIES), which is what <see cref="Read"/> encodes for
/// TEST UNIT READY, MODE SENSE, REPORT SUPPORTED OPERATION CODES and REPORT SUPPORTED TASK MANAGEMENT FUNCTIONS.
/// </summary>
public enum ConflictClass : byte
{
    /// <summary>Never conflicts (INQUIRY, REPORT LUNS, REQUEST SENSE, READ CAPACITY, TEST UNIT READY).</summary>
    Allowed,

    /// <summary>
    /// Allowed through Write Exclusive reservations, conflicts with Exclusive Access ones (READ, VERIFY, PRE-FETCH,
    /// GET LBA STATUS, MODE SENSE, ...); allowed for registrants under registrants-only and all-registrants types.
    /// </summary>
    Read,

    /// <summary>Conflicts with every reservation type unless the I_T nexus holds it or is a registrant under a
    /// registrants-only or all-registrants type (WRITE, UNMAP, SYNCHRONIZE CACHE, MODE SELECT, ...).</summary>
    Write,

    /// <summary>PREVENT ALLOW MEDIUM REMOVAL: <see cref="Allowed"/> with PREVENT=0, <see cref="Write"/> otherwise.</summary>
    PreventAllow,

    /// <summary>START STOP UNIT: <see cref="Allowed"/> with START=1 and POWER CONDITION=0, <see cref="Write"/> otherwise.</summary>
    StartStop,

    /// <summary>
    /// PERSISTENT RESERVE IN/OUT: allowed under persistent reservations (PR OUT applies SPC-5 table 66 itself),
    /// conflicts with an SPC-2 reservation from any I_T nexus, the holder included (SPC-2 5.5.1).
    /// </summary>
    PersistentReservation,

    /// <summary>RESERVE and RELEASE: the command decides (SPC-2 semantics; CRH=0 conflicts with persistent reservations).</summary>
    Spc2Reservation,
}
