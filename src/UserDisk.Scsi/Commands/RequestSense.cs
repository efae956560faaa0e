namespace UserDisk.Scsi.Commands;

/// <summary>
/// REQUEST SENSE (SPC-5): returns a pending unit attention as parameter data (and clears it), else NO SENSE.
/// The DESC bit picks the format for this reply only.
/// </summary>
internal static class RequestSense
{
    public static void Execute(LogicalUnit lu, ScsiCommand command)
    {
        var cdb = command.Cdb;
        var descriptor = (cdb[1] & 0x01) != 0;
        var allocationLength = cdb[4];
        var code = SenseCode.NoSense;
        var nexus = lu.GetNexusState(command.Nexus);
        if (nexus is not null)
        {
            var ua = nexus.TakeNext();
            if (ua != UnitAttention.None)
            {
                code = NexusState.ToSense(ua);
            }
        }

        Span<byte> sense = stackalloc byte[SenseData.MaxLength];
        var length = SenseData.Write(sense, descriptor, code);
        command.CompleteDataIn(sense[..length], allocationLength);
    }
}
