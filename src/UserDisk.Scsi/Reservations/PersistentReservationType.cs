namespace UserDisk.Scsi.Reservations;

/// <summary>The TYPE field of a persistent reservation (SPC-5 6.15.3.4); the values are the wire codes.</summary>
public enum PersistentReservationType : byte
{
    None = 0x0,
    WriteExclusive = 0x1,
    ExclusiveAccess = 0x3,
    WriteExclusiveRegistrantsOnly = 0x5,
    ExclusiveAccessRegistrantsOnly = 0x6,
    WriteExclusiveAllRegistrants = 0x7,
    ExclusiveAccessAllRegistrants = 0x8,
}
