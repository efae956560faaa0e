using UserDisk.Storage;
using static UserDisk.Scsi.OperationCode;

namespace UserDisk.Scsi.Tests;

/// <summary>
/// Write protection (SBC-4 4.11): on a read-only unit every command that would change the medium ends with DATA
/// PROTECT, WRITE PROTECTED before any data moves; commands that only read work as usual.
/// </summary>
public sealed class ReadOnlyTests
{
    public static TheoryData<string, bool> MediumWritingCommands
    {
        get
        {
            var data = new TheoryData<string, bool>();
            foreach (var d in CommandTable.All.Where(d => (d.Flags & CommandFlags.WritesMedium) != 0))
            {
                data.Add(d.Name, false);
                data.Add(d.Name, true);
            }

            return data;
        }
    }

    [Fact]
    public void Exactly_the_commands_that_change_the_medium_are_flagged_as_writing_it()
    {
        var flagged = CommandTable.All.Where(d => (d.Flags & CommandFlags.WritesMedium) != 0).Select(d => d.OperationCode).Order();

        Assert.Equal(
            new byte[] { Write6, WriteSame10, Write10, WriteAndVerify10, Unmap, CompareAndWrite, Write16, WriteAndVerify16, WriteSame16, Write12, WriteAndVerify12 }.Order(),
            flagged);
    }

    [Theory]
    [MemberData(nameof(MediumWritingCommands))]
    public void Medium_writing_command_on_a_read_only_backstore_is_data_protect_and_touches_nothing(string name, bool descriptorSense)
    {
        using var t = new TestUnit(new InstrumentedBackstore(new MemoryBackstore("ro", 2048 * 512, readOnly: true)), TestUnit.Options(descriptorSense));
        var (cdb, data) = CommandFor(name);

        Expect.PlainCheckCondition(t.Out(cdb, data), SenseCode.WriteProtected, descriptorSense);

        Assert.Empty(t.Probe.Calls);
    }

    [Theory]
    [MemberData(nameof(MediumWritingCommands))]
    public async Task Medium_writing_command_on_a_unit_configured_read_only_is_data_protect_and_changes_nothing(string name, bool descriptorSense)
    {
        using var t = new TestUnit(new InstrumentedBackstore(new MemoryBackstore("rw", 2048 * 512)), new LogicalUnitOptions { PowerOnUnitAttention = false, ReadOnly = true, DescriptorSense = descriptorSense });
        await t.Probe.Inner.WriteAsync(0, Blocks.Filled(2, 0x5A), forceUnitAccess: false, TestContext.Current.CancellationToken);
        var (cdb, data) = CommandFor(name);

        Expect.PlainCheckCondition(t.Out(cdb, data), SenseCode.WriteProtected, descriptorSense);

        Assert.Empty(t.Probe.Calls);
        Assert.Equal(Blocks.Filled(2, 0x5A), t.ReadBlocks(0, 2));
    }

    [Fact]
    public void Read_only_unit_reports_itself_read_only()
    {
        using var byOption = TestUnit.Memory(options: new LogicalUnitOptions { ReadOnly = true });
        using var byBackstore = TestUnit.Memory(readOnly: true);
        using var writable = TestUnit.Memory();

        Assert.True(byOption.Unit.IsReadOnly);
        Assert.True(byBackstore.Unit.IsReadOnly);
        Assert.False(writable.Unit.IsReadOnly);
    }

    [Fact]
    public void Reads_verifies_and_status_commands_still_work_on_a_read_only_unit()
    {
        using var t = TestUnit.Memory(readOnly: true);

        Assert.Equal(Blocks.Zeros(2), t.ReadBlocks(0, 2));
        Expect.Good(t.In(Cdb.Rw6(Read6, 0, 1), expected: 512));
        Expect.Good(t.Out(Cdb.LbaCount(Verify10, 0, 2, Cdb.ByteCheck(1)), Blocks.Zeros(2)));
        Expect.Good(t.In(Cdb.ReadCapacity16(), expected: 32));
        Expect.Good(t.In(Cdb.GetLbaStatus(0)));
        Expect.Good(t.In(Cdb.LbaCount(SynchronizeCache10, 0, 0), expected: 0));
        Expect.Good(t.In(Cdb.ModeSense6(0x3F)));
    }

    [Fact]
    public void Clearing_swp_does_not_make_a_read_only_unit_writable()
    {
        using var t = TestUnit.Memory(readOnly: true);
        byte[] control = [0, 0, 0, 0, 0x0A, 0x0A, 0x02, 0x10, 0x00, 0x00, 0, 0, 0, 0, 0, 0];
        Expect.Good(t.Out(Cdb.ModeSelect6((byte)control.Length), control));

        Expect.PlainCheckCondition(t.Out(Cdb.Write10(0, 1), Blocks.Zeros(1)), SenseCode.WriteProtected, descriptorSense: false);
    }

    /// <summary>A well-formed one-block instance of the command, with the data-out it needs.</summary>
    private static (byte[] Cdb, byte[] Data) CommandFor(string name)
    {
        var d = CommandTable.All.Single(c => c.Name == name);
        return d.OperationCode switch
        {
            Write6 => (Cdb.Rw6(Write6, 0, 1), Blocks.Filled(1, 0xEE)),
            CompareAndWrite => (Cdb.CompareAndWrite(0, 1), [.. Blocks.Filled(1, 0x5A), .. Blocks.Filled(1, 0xEE)]),
            Unmap => (Cdb.Unmap(24), Cdb.UnmapParameters((0, 2))),
            Write10 or Write12 or Write16 or WriteAndVerify10 or WriteAndVerify12 or WriteAndVerify16 or WriteSame10 or WriteSame16 =>
                (Cdb.LbaCount(d.OperationCode, 0, 1), Blocks.Filled(1, 0xEE)),
            _ => (ZeroCdb(d), Blocks.Filled(1, 0xEE)),
        };
    }

    private static byte[] ZeroCdb(CommandDescriptor d)
    {
        var cdb = new byte[d.CdbLength];
        cdb[0] = d.OperationCode;
        if (d.ServiceAction >= 0)
        {
            cdb[1] = (byte)d.ServiceAction;
        }

        return cdb;
    }
}
