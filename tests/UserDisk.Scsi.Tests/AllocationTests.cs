using UserDisk.Storage;

namespace UserDisk.Scsi.Tests;

/// <summary>The data path allocates nothing per command (STYLE.md: the hot loop never allocates).</summary>
public sealed class AllocationTests
{
    private const int Commands = 10_000;
    private const int BlockSize = 512;
    private const int TransferBytes = 4096;

    [Fact]
    public void Ten_thousand_4k_read10_and_write10_on_memory_backstore_allocate_nothing()
    {
        using var backstore = new MemoryBackstore("alloc", 64L * 1024 * 1024, BlockSize);
        var unit = new LogicalUnit(backstore);
        var nexus = new ItNexus("iqn.2026-11.test:alloc,i,0x1", "iqn.2026-11.test:t,t,0x1");
        var buffer = GC.AllocateArray<byte>(TransferBytes, pinned: true);
        var command = new ScsiCommand { Nexus = nexus, Data = buffer, ExpectedTransferLength = TransferBytes };
        var read = Cdb.Read10(0, TransferBytes / BlockSize);
        var write = Cdb.Write10(0, TransferBytes / BlockSize);
        var blocksPerCommand = (uint)(TransferBytes / BlockSize);
        var span = (uint)(backstore.Length / BlockSize / blocksPerCommand);

        // Warm up: the power-on unit attention, first-touch chunk allocation, JIT and tiering.
        for (var i = 0; i < 2 * Commands; i++)
        {
            Execute(unit, command, write, (uint)(i % span) * blocksPerCommand);
            Execute(unit, command, read, (uint)(i % span) * blocksPerCommand);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Commands / 2; i++)
        {
            var lba = (uint)((i * 7919) % span) * blocksPerCommand;
            Execute(unit, command, write, lba);
            Execute(unit, command, read, lba);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.Equal(ScsiStatus.Good, command.Status);
    }

    private static void Execute(LogicalUnit unit, ScsiCommand command, byte[] cdb, uint lba)
    {
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(cdb.AsSpan(2), lba);
        command.SetCdb(cdb);
        command.Direction = cdb[0] == OperationCode.Read10 ? DataDirection.Read : DataDirection.Write;
        var pending = unit.ExecuteAsync(command);
        if (!pending.IsCompletedSuccessfully)
        {
            throw new InvalidOperationException("The memory backstore path completed asynchronously.");
        }

        pending.GetAwaiter().GetResult();
        if (command.Status != ScsiStatus.Good && command.SenseLength > 0 && SenseData.Parse(command.Sense).Key != SenseKey.UnitAttention)
        {
            throw new InvalidOperationException($"Command failed: {SenseData.Parse(command.Sense)}");
        }
    }
}
