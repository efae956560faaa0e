using UserDisk.Scsi;

namespace UserDisk.Server.Hosting;

/// <summary>A snapshot of a logical unit's counters, for the shutdown summary.</summary>
public readonly record struct LunCounters(long Reads, long Writes, long Others, long BytesRead, long BytesWritten, long BackstoreErrors, long CheckConditions)
{
    public static LunCounters Read(LogicalUnit unit)
    {
        ArgumentNullException.ThrowIfNull(unit);
        LogicalUnitCounters c = unit.Counters;
        long checkConditions = 0;
        foreach (SenseKey key in Enum.GetValues<SenseKey>())
        {
            checkConditions += c.CheckConditions(key);
        }

        return new LunCounters(c.ReadCommands, c.WriteCommands, c.OtherCommands, c.BytesRead, c.BytesWritten, c.BackstoreErrors, checkConditions);
    }
}
