namespace UserDisk.Scsi.Commands;

/// <summary>
/// SYNCHRONIZE CACHE (10) and (16) (SBC-4): makes the range durable (NUMBER OF LOGICAL BLOCKS 0 = to the end).
/// IMMED is accepted but the flush still completes before GOOD: an early GOOD would promise nothing.
/// </summary>
internal static class SynchronizeCache
{
    public static async ValueTask ExecuteAsync(LogicalUnit lu, ScsiCommand command, CancellationToken cancellationToken)
    {
        var (lba, blocks, _) = CdbFields.LbaAndCount(command.Cdb);
        if (!lu.CheckRange(command, lba, blocks))
        {
            return;
        }

        var bs = lu.BlockSize;
        await lu.Backstore.FlushAsync((long)lba * bs, (long)blocks * bs, cancellationToken).ConfigureAwait(false);
    }
}
