namespace UserDisk.Scsi;

/// <summary>What <see cref="LogicalUnit.CapacityChanged"/> reports: the block count before and after.</summary>
public sealed class CapacityChangedEventArgs(long previousBlocks, long blocks) : EventArgs
{
    public long PreviousBlocks { get; } = previousBlocks;

    public long Blocks { get; } = blocks;
}
