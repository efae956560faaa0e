using UserDisk.Scsi;
using UserDisk.Storage;

namespace UserDisk.Scsi.Tests;

/// <summary>A logical unit over a real backstore, with helpers to send CDBs the way a front end does.</summary>
internal sealed class TestUnit : IDisposable
{
    public TestUnit(IBackstore backstore, LogicalUnitOptions? options = null)
    {
        Backstore = backstore;
        Unit = new LogicalUnit(backstore, options ?? new LogicalUnitOptions { PowerOnUnitAttention = false });
        Nexus = new ItNexus("iqn.2026-11.test:initiator,i,0x1", "iqn.2026-11.test:target,t,0x1");
    }

    public IBackstore Backstore { get; }

    public LogicalUnit Unit { get; }

    public ItNexus Nexus { get; }

    public static TestUnit Memory(long blocks = 2048, int blockSize = 512, bool readOnly = false, LogicalUnitOptions? options = null) =>
        new(new MemoryBackstore("test", blocks * blockSize, blockSize, readOnly), options);

    /// <summary>Runs a data-in (or no-data) command with room for <paramref name="expected"/> bytes.</summary>
    public Result In(byte[] cdb, int expected = 4096, ItNexus? nexus = null, TaskAttribute attribute = TaskAttribute.Simple) =>
        Run(cdb, DataDirection.Read, new byte[expected], expected, nexus, attribute);

    /// <summary>Runs a data-out command carrying <paramref name="data"/>.</summary>
    public Result Out(byte[] cdb, byte[] data, ItNexus? nexus = null) =>
        Run(cdb, DataDirection.Write, data, data.Length, nexus, TaskAttribute.Simple);

    public Result Run(byte[] cdb, DataDirection direction, byte[] buffer, int expected, ItNexus? nexus, TaskAttribute attribute)
    {
        return RunAsync(cdb, direction, buffer, expected, nexus, attribute).AsTask().GetAwaiter().GetResult();
    }

    public async ValueTask<Result> RunAsync(byte[] cdb, DataDirection direction, byte[] buffer, int expected, ItNexus? nexus, TaskAttribute attribute, CancellationToken cancellationToken = default)
    {
        var command = new ScsiCommand();
        command.SetCdb(cdb);
        command.Nexus = nexus ?? Nexus;
        command.Direction = direction;
        command.Data = buffer;
        command.ExpectedTransferLength = expected;
        command.TaskAttribute = attribute;
        await Unit.ExecuteAsync(command, cancellationToken);
        return new Result(command.Status, command.Sense.ToArray(), buffer.AsSpan(0, command.DataLength).ToArray(), command.ResidualKind, command.ResidualCount);
    }

    public void Dispose() => Backstore.Dispose();

    internal sealed record Result(ScsiStatus Status, byte[] Sense, byte[] Data, ResidualKind ResidualKind, int ResidualCount)
    {
        public SenseCode SenseCode => SenseData.Parse(Sense);

        public bool Good => Status == ScsiStatus.Good;

        public override string ToString() => Status == ScsiStatus.CheckCondition ? $"CHECK CONDITION {SenseCode}" : Status.ToString();
    }
}
