namespace UserDisk.Scsi.Commands;

/// <summary>
/// START STOP UNIT (SBC-4). A virtual disk has no spindle: START and power conditions are accepted; a stop makes the
/// cache durable first unless NO_FLUSH; an eject (LOEJ with START=0) is refused while any nexus holds PREVENT.
/// </summary>
internal static class StartStopUnit
{
    public static ValueTask ExecuteAsync(LogicalUnit lu, ScsiCommand command, CancellationToken cancellationToken)
    {
        var cdb = command.Cdb;
        var powerCondition = cdb[4] >> 4;
        var noFlush = (cdb[4] & 0x04) != 0;
        var loej = (cdb[4] & 0x02) != 0;
        var start = (cdb[4] & 0x01) != 0;

        // SBC-4 power conditions: 0 START_VALID, 1 ACTIVE, 2 IDLE, 3 STANDBY, 7 LU_CONTROL, Ah/Bh FORCE_IDLE/STANDBY_0.
        if (powerCondition is not (0 or 1 or 2 or 3 or 7 or 0xA or 0xB))
        {
            lu.FailCdb(command, 4, 7);
            return default;
        }

        if (powerCondition == 0 && loej && !start && lu.AnyNexusPreventsRemoval())
        {
            lu.Fail(command, SenseCode.MediumRemovalPrevented);
            return default;
        }

        // SBC-4: a STOP (START=0 with START_VALID) writes cached data to the medium unless NO_FLUSH is set.
        var stopping = powerCondition == 0 && !start;
        return stopping && !noFlush ? lu.Backstore.FlushAsync(0, 0, cancellationToken) : default;
    }
}
