namespace UserDisk.Scsi.Commands;

/// <summary>
/// PRE-FETCH (10) and (16) (SBC-4). The backstores keep no cache the engine could fill, so after the range check
/// the answer is GOOD, which SBC-4 defines as "the blocks were not all placed in cache" (CONDITION MET would
/// claim they were).
/// </summary>
internal static class PreFetch
{
    public static void Execute(LogicalUnit lu, ScsiCommand command)
    {
        var (lba, blocks, _) = CdbFields.LbaAndCount(command.Cdb);
        lu.CheckRange(command, lba, blocks);
    }
}
