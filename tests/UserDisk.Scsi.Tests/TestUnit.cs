using System.Buffers.Binary;
using UserDisk.Scsi;
using UserDisk.Storage;

namespace UserDisk.Scsi.Tests;

/// <summary>A logical unit over a real backstore, with helpers to send CDBs the way a front end does.</summary>
internal sealed class TestUnit : IDisposable
{
    private readonly string? _ownedFile;

    public TestUnit(IBackstore backstore, LogicalUnitOptions? options = null)
        : this(backstore, options, ownedFile: null)
    {
    }

    private TestUnit(IBackstore backstore, LogicalUnitOptions? options, string? ownedFile)
    {
        Backstore = backstore;
        Unit = new LogicalUnit(backstore, options ?? new LogicalUnitOptions { PowerOnUnitAttention = false });
        Nexus = NewNexus();
        _ownedFile = ownedFile;
    }

    public IBackstore Backstore { get; }

    /// <summary>The backstore as the probe it is, for units made by <see cref="Instrumented"/>.</summary>
    public InstrumentedBackstore Probe => (InstrumentedBackstore)Backstore;

    public LogicalUnit Unit { get; }

    public ItNexus Nexus { get; }

    /// <summary>Default options for tests: no POWER ON unit attention, and the given initial D_SENSE.</summary>
    public static LogicalUnitOptions Options(bool descriptorSense = false) =>
        new() { PowerOnUnitAttention = false, DescriptorSense = descriptorSense };

    public static TestUnit Memory(long blocks = 2048, int blockSize = 512, bool readOnly = false, LogicalUnitOptions? options = null, bool descriptorSense = false) =>
        new(new MemoryBackstore("test", blocks * blockSize, blockSize, readOnly), options ?? Options(descriptorSense));

    /// <summary>A unit over a <see cref="MemoryBackstore"/> seen through an <see cref="InstrumentedBackstore"/>.</summary>
    public static TestUnit Instrumented(long blocks = 2048, LogicalUnitOptions? options = null, bool descriptorSense = false, int blockSize = 512) =>
        new(new InstrumentedBackstore(new MemoryBackstore("test", blocks * blockSize, blockSize)), options ?? Options(descriptorSense));

    /// <summary>A unit over a new sparse file in the temporary directory, deleted on dispose.</summary>
    public static TestUnit File(long blocks = 2048, bool descriptorSense = false)
    {
        var path = Path.Combine(Path.GetTempPath(), $"userdisk-scsi-test-{Guid.NewGuid():N}.img");
        var backstore = FileBackstore.Open(new FileBackstoreOptions { Path = path, Size = blocks * 512 });
        return new TestUnit(backstore, Options(descriptorSense), path);
    }

    public static ItNexus NewNexus(ushort relativeTargetPortId = 1) =>
        new($"iqn.2026-11.test:initiator-{Guid.NewGuid():N},i,0x1", "iqn.2026-11.test:target,t,0x1", relativeTargetPortId);

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

    /// <summary>WRITE(16) that must succeed.</summary>
    public void WriteBlocks(ulong lba, byte[] data)
    {
        var result = Out(Cdb.Rw16(OperationCode.Write16, lba, (uint)(data.Length / Unit.BlockSize)), data);
        Assert.True(result.Good, $"WRITE(16) at {lba}: {result}");
    }

    /// <summary>READ(16) that must succeed.</summary>
    public byte[] ReadBlocks(ulong lba, int blocks)
    {
        var result = In(Cdb.Rw16(OperationCode.Read16, lba, (uint)blocks), blocks * Unit.BlockSize);
        Assert.True(result.Good, $"READ(16) at {lba}: {result}");
        return result.Data;
    }

    /// <summary>GET LBA STATUS from <paramref name="lba"/>, that must succeed: each extent and whether it is mapped.</summary>
    public IReadOnlyList<(ulong Lba, uint Blocks, bool Mapped)> LbaStatus(ulong lba)
    {
        var result = In(Cdb.GetLbaStatus(lba));
        Assert.True(result.Good, $"GET LBA STATUS at {lba}: {result}");
        var data = result.Data;
        Assert.Equal(data.Length - 4, (int)BinaryPrimitives.ReadUInt32BigEndian(data));
        var extents = new List<(ulong, uint, bool)>();
        for (var p = 8; p < data.Length; p += 16)
        {
            var status = data[p + 12] & 0x0F;
            Assert.True(status is 0 or 1, $"PROVISIONING STATUS {status}");
            extents.Add((BinaryPrimitives.ReadUInt64BigEndian(data.AsSpan(p)), BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(p + 8)), status == 0));
        }

        return extents;
    }

    public void Dispose()
    {
        Backstore.Dispose();
        if (_ownedFile is not null)
        {
            System.IO.File.Delete(_ownedFile);
        }
    }

    internal sealed record Result(ScsiStatus Status, byte[] Sense, byte[] Data, ResidualKind ResidualKind, int ResidualCount)
    {
        public SenseCode SenseCode => SenseData.Parse(Sense);

        public bool Good => Status == ScsiStatus.Good;

        public override string ToString() => Status == ScsiStatus.CheckCondition ? $"CHECK CONDITION {SenseCode}" : Status.ToString();
    }
}
