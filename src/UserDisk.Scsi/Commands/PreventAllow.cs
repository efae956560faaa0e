namespace UserDisk.Scsi.Commands;

/// <summary>PREVENT ALLOW MEDIUM REMOVAL (SBC-4): remembered per I_T nexus, consulted by START STOP UNIT eject.</summary>
internal static class PreventAllow
{
    public static void Execute(LogicalUnit lu, ScsiCommand command)
    {
        var prevent = command.Cdb[4] & 0x03;
        if (prevent > 1)
        {
            // 10b and 11b are obsolete (they were for medium changers).
            lu.FailCdb(command, 4, 1);
            return;
        }

        var state = lu.GetNexusState(command.Nexus);
        if (state is not null)
        {
            state.PreventsRemoval = prevent == 1;
        }
    }
}
