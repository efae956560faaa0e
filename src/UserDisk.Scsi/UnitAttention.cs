namespace UserDisk.Scsi;

/// <summary>
/// Unit attention conditions an I_T nexus can have pending. The bit order is the reporting order: SAM-5
/// (unit attention conditions) puts power on / reset first; the rest follow in a fixed order so a test can
/// rely on it.
/// </summary>
[Flags]
public enum UnitAttention
{
    None = 0,
    PowerOnReset = 1 << 0,
    BusDeviceReset = 1 << 1,
    ItNexusLoss = 1 << 2,
    CommandsClearedByAnotherInitiator = 1 << 3,
    ReservationsPreempted = 1 << 4,
    ReservationsReleased = 1 << 5,
    RegistrationsPreempted = 1 << 6,
    ModeParametersChanged = 1 << 7,
    CapacityDataChanged = 1 << 8,
    InquiryDataChanged = 1 << 9,
    ReportedLunsDataChanged = 1 << 10,
}
