namespace UserDisk.Scsi;

/// <summary>A sense key with its additional sense code and qualifier (SPC-5 4.4.5, the ASC/ASCQ table).</summary>
public readonly record struct SenseCode(SenseKey Key, byte Asc, byte Ascq)
{
    public static readonly SenseCode NoSense = new(SenseKey.NoSense, 0x00, 0x00);

    // ILLEGAL REQUEST
    public static readonly SenseCode InvalidCommandOperationCode = new(SenseKey.IllegalRequest, 0x20, 0x00);
    public static readonly SenseCode LbaOutOfRange = new(SenseKey.IllegalRequest, 0x21, 0x00);
    public static readonly SenseCode InvalidFieldInCdb = new(SenseKey.IllegalRequest, 0x24, 0x00);
    public static readonly SenseCode LogicalUnitNotSupported = new(SenseKey.IllegalRequest, 0x25, 0x00);
    public static readonly SenseCode InvalidFieldInParameterList = new(SenseKey.IllegalRequest, 0x26, 0x00);
    public static readonly SenseCode ParameterListLengthError = new(SenseKey.IllegalRequest, 0x1A, 0x00);
    public static readonly SenseCode InvalidFieldInCommandInformationUnit = new(SenseKey.IllegalRequest, 0x0E, 0x03);
    public static readonly SenseCode SavingParametersNotSupported = new(SenseKey.IllegalRequest, 0x39, 0x00);
    public static readonly SenseCode InvalidMessageError = new(SenseKey.IllegalRequest, 0x49, 0x00);
    public static readonly SenseCode InvalidReleaseOfPersistentReservation = new(SenseKey.IllegalRequest, 0x26, 0x04);
    public static readonly SenseCode InsufficientRegistrationResources = new(SenseKey.IllegalRequest, 0x55, 0x04);
    public static readonly SenseCode MediumRemovalPrevented = new(SenseKey.IllegalRequest, 0x53, 0x02);

    // DATA PROTECT
    public static readonly SenseCode WriteProtected = new(SenseKey.DataProtect, 0x27, 0x00);
    public static readonly SenseCode SpaceAllocationFailedWriteProtect = new(SenseKey.DataProtect, 0x27, 0x07);

    // MEDIUM ERROR
    public static readonly SenseCode UnrecoveredReadError = new(SenseKey.MediumError, 0x11, 0x00);
    public static readonly SenseCode WriteError = new(SenseKey.MediumError, 0x0C, 0x00);

    // NOT READY
    public static readonly SenseCode NotReadyCauseNotReportable = new(SenseKey.NotReady, 0x04, 0x00);
    public static readonly SenseCode NotReadyInitializingCommandRequired = new(SenseKey.NotReady, 0x04, 0x02);
    public static readonly SenseCode MediumNotPresent = new(SenseKey.NotReady, 0x3A, 0x00);

    // ABORTED COMMAND: the initiator may retry (SAM-5: a transient condition).
    public static readonly SenseCode InternalTargetFailureRetryable = new(SenseKey.AbortedCommand, 0x44, 0x00);

    // MISCOMPARE
    public static readonly SenseCode MiscompareDuringVerify = new(SenseKey.Miscompare, 0x1D, 0x00);

    // HARDWARE ERROR
    public static readonly SenseCode InternalTargetFailure = new(SenseKey.HardwareError, 0x44, 0x00);

    // UNIT ATTENTION
    public static readonly SenseCode PowerOnResetOccurred = new(SenseKey.UnitAttention, 0x29, 0x00);
    public static readonly SenseCode BusDeviceResetFunctionOccurred = new(SenseKey.UnitAttention, 0x29, 0x03);
    public static readonly SenseCode ItNexusLossOccurred = new(SenseKey.UnitAttention, 0x29, 0x07);
    public static readonly SenseCode ModeParametersChanged = new(SenseKey.UnitAttention, 0x2A, 0x01);
    public static readonly SenseCode ReservationsPreempted = new(SenseKey.UnitAttention, 0x2A, 0x03);
    public static readonly SenseCode ReservationsReleased = new(SenseKey.UnitAttention, 0x2A, 0x04);
    public static readonly SenseCode RegistrationsPreempted = new(SenseKey.UnitAttention, 0x2A, 0x05);
    public static readonly SenseCode CapacityDataChanged = new(SenseKey.UnitAttention, 0x2A, 0x09);
    public static readonly SenseCode CommandsClearedByAnotherInitiator = new(SenseKey.UnitAttention, 0x2F, 0x00);
    public static readonly SenseCode InquiryDataChanged = new(SenseKey.UnitAttention, 0x3F, 0x03);
    public static readonly SenseCode ReportedLunsDataChanged = new(SenseKey.UnitAttention, 0x3F, 0x0E);

    public override string ToString() => $"{Key} {Asc:X2}/{Ascq:X2}";
}
