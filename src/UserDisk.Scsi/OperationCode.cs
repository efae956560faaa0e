namespace UserDisk.Scsi;

/// <summary>Operation codes and service actions of the commands the engine implements (SPC-5, SBC-4).</summary>
public static class OperationCode
{
    public const byte TestUnitReady = 0x00;
    public const byte RequestSense = 0x03;
    public const byte Read6 = 0x08;
    public const byte Write6 = 0x0A;
    public const byte Inquiry = 0x12;
    public const byte ModeSelect6 = 0x15;
    public const byte Reserve6 = 0x16;
    public const byte Release6 = 0x17;
    public const byte ModeSense6 = 0x1A;
    public const byte StartStopUnit = 0x1B;
    public const byte PreventAllowMediumRemoval = 0x1E;
    public const byte ReadCapacity10 = 0x25;
    public const byte Read10 = 0x28;
    public const byte Write10 = 0x2A;
    public const byte WriteAndVerify10 = 0x2E;
    public const byte Verify10 = 0x2F;
    public const byte PreFetch10 = 0x34;
    public const byte SynchronizeCache10 = 0x35;
    public const byte WriteSame10 = 0x41;
    public const byte Unmap = 0x42;
    public const byte ModeSelect10 = 0x55;
    public const byte Reserve10 = 0x56;
    public const byte Release10 = 0x57;
    public const byte ModeSense10 = 0x5A;
    public const byte PersistentReserveIn = 0x5E;
    public const byte PersistentReserveOut = 0x5F;
    public const byte Read16 = 0x88;
    public const byte CompareAndWrite = 0x89;
    public const byte Write16 = 0x8A;
    public const byte WriteAndVerify16 = 0x8E;
    public const byte Verify16 = 0x8F;
    public const byte PreFetch16 = 0x90;
    public const byte SynchronizeCache16 = 0x91;
    public const byte WriteSame16 = 0x93;
    public const byte ServiceActionIn16 = 0x9E;
    public const byte ReportLuns = 0xA0;
    public const byte MaintenanceIn = 0xA3;
    public const byte Read12 = 0xA8;
    public const byte Write12 = 0xAA;
    public const byte WriteAndVerify12 = 0xAE;
    public const byte Verify12 = 0xAF;

    // Service actions.
    public const byte ReadCapacity16ServiceAction = 0x10;
    public const byte GetLbaStatusServiceAction = 0x12;
    public const byte ReportSupportedOperationCodesServiceAction = 0x0C;
    public const byte ReportSupportedTaskManagementFunctionsServiceAction = 0x0D;

    // PERSISTENT RESERVE IN service actions (SPC-5 table "PERSISTENT RESERVE IN service action codes").
    public const byte ReadKeysServiceAction = 0x00;
    public const byte ReadReservationServiceAction = 0x01;
    public const byte ReportCapabilitiesServiceAction = 0x02;
    public const byte ReadFullStatusServiceAction = 0x03;

    // PERSISTENT RESERVE OUT service actions (SPC-5 table "PERSISTENT RESERVE OUT service action codes").
    public const byte RegisterServiceAction = 0x00;
    public const byte ReserveServiceAction = 0x01;
    public const byte ReleaseServiceAction = 0x02;
    public const byte ClearServiceAction = 0x03;
    public const byte PreemptServiceAction = 0x04;
    public const byte PreemptAndAbortServiceAction = 0x05;
    public const byte RegisterAndIgnoreExistingKeyServiceAction = 0x06;
    public const byte RegisterAndMoveServiceAction = 0x07;
}
