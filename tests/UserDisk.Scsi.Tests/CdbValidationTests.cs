namespace UserDisk.Scsi.Tests;

/// <summary>
/// What every command passes before it runs (SPC-5 4.2, SAM-5 5.2): a supported opcode and service action, a CDB
/// as long as the command, no reserved bit set (SPC-5 2.x "reserved": the recipient may check and reject), a
/// CONTROL byte without NACA/FLAG/LINK, and a task attribute the unit implements.
/// </summary>
public sealed class CdbValidationTests
{
    public static TheoryData<string> Commands => [.. CommandTable.All.Select(d => d.Name)];

    [Theory]
    [SenseFormats((byte)0x02)]
    [SenseFormats((byte)0x7F)]
    [SenseFormats((byte)0xC0)]
    [SenseFormats((byte)0xFF)]
    public void Unknown_opcode_is_invalid_command_operation_code(byte opcode, bool descriptorSense)
    {
        using var t = TestUnit.Memory(descriptorSense: descriptorSense);

        var sense = Expect.CheckCondition(t.In([opcode, 0, 0, 0, 0, 0, 0, 0, 0, 0]), SenseCode.InvalidCommandOperationCode, descriptorSense);

        Expect.FieldPointer(sense, inCdb: true, byteOffset: 0);
    }

    [Theory]
    [SenseFormats]
    public void Empty_cdb_is_invalid_command_operation_code(bool descriptorSense)
    {
        using var t = TestUnit.Memory(descriptorSense: descriptorSense);

        Expect.CheckCondition(t.In([]), SenseCode.InvalidCommandOperationCode, descriptorSense);
    }

    [Theory]
    [SenseFormats(OperationCode.ServiceActionIn16, (byte)0x1F)]
    [SenseFormats(OperationCode.ServiceActionIn16, (byte)0x11)]
    [SenseFormats(OperationCode.MaintenanceIn, (byte)0x05)]
    public void Unknown_service_action_is_an_invalid_field_at_byte_1_bit_4(byte opcode, byte serviceAction, bool descriptorSense)
    {
        using var t = TestUnit.Memory(descriptorSense: descriptorSense);
        var cdb = new byte[16];
        cdb[0] = opcode;
        cdb[1] = serviceAction;

        Expect.InvalidFieldInCdb(t.In(cdb), descriptorSense, byteOffset: 1, bit: 4);
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public void Every_reserved_bit_of_the_command_is_an_invalid_field_pointing_at_its_byte(string name)
    {
        var d = CommandTable.All.Single(c => c.Name == name);
        var usage = d.UsageData.ToArray();
        using var t = TestUnit.Instrumented();
        var last = usage.Length - 1;
        var checkedBits = 0;
        for (var i = 1; i < last; i++)
        {
            var allowed = usage[i] | (i == 1 && d.ServiceAction >= 0 ? 0x1F : 0);
            for (var bit = 0; bit < 8; bit++)
            {
                if ((allowed & (1 << bit)) != 0)
                {
                    continue;
                }

                var cdb = Minimal(d);
                cdb[i] |= (byte)(1 << bit);
                var result = t.Run(cdb, DataDirection.Write, new byte[4096], 4096, null, TaskAttribute.Simple);

                var sense = Expect.CheckCondition(result, SenseCode.InvalidFieldInCdb, descriptorSense: false);
                Assert.NotNull(sense.SenseKeySpecific);
                Assert.True((sense.SenseKeySpecific[0] & 0xC0) == 0xC0, $"{name} byte {i} bit {bit}: SKSV and C/D");
                Assert.True(i == ((sense.SenseKeySpecific[1] << 8) | sense.SenseKeySpecific[2]), $"{name} byte {i} bit {bit}: field pointer");
                checkedBits++;
            }
        }

        Assert.Empty(t.Probe.Calls);
        Assert.True(checkedBits > 0, $"{name} has no reserved bit to check");
    }

    [Theory]
    [SenseFormats(new byte[] { OperationCode.TestUnitReady, 0x20, 0, 0, 0, 0 }, 1, 5)]
    [SenseFormats(new byte[] { OperationCode.Inquiry, 0x04, 0, 0, 36, 0 }, 1, 2)]
    [SenseFormats(new byte[] { OperationCode.Read10, 0, 0, 0, 0, 0, 0x80, 0, 1, 0 }, 6, 7)]
    [SenseFormats(new byte[] { OperationCode.ModeSense10, 0, 0x08, 0, 0x01, 0, 0, 0, 36, 0 }, 4, 0)]
    public void Reserved_bit_field_pointer_names_the_bit(byte[] cdb, int byteOffset, int bit, bool descriptorSense)
    {
        using var t = TestUnit.Memory(descriptorSense: descriptorSense);

        Expect.InvalidFieldInCdb(t.In(cdb, expected: 512), descriptorSense, byteOffset, bit);
    }

    [Theory]
    [SenseFormats((byte)0x04, 2)]   // NACA
    [SenseFormats((byte)0x02, 1)]   // FLAG (obsolete)
    [SenseFormats((byte)0x01, 0)]   // LINK (obsolete)
    public void Naca_flag_or_link_in_the_control_byte_is_an_invalid_field_pointing_at_the_bit(byte control, int bit, bool descriptorSense)
    {
        using var t = TestUnit.Memory(descriptorSense: descriptorSense);

        Expect.InvalidFieldInCdb(t.In([OperationCode.TestUnitReady, 0, 0, 0, 0, control]), descriptorSense, byteOffset: 5, bit);
        Expect.InvalidFieldInCdb(t.In([.. Cdb.Read16(0, 1)[..15], control], expected: 512), descriptorSense, byteOffset: 15, bit);
    }

    [Fact]
    public void Vendor_specific_bits_of_the_control_byte_are_accepted()
    {
        using var t = TestUnit.Memory();

        Expect.Good(t.In([OperationCode.TestUnitReady, 0, 0, 0, 0, 0xC0]));
    }

    [Theory]
    [SenseFormats]
    public void Cdb_shorter_than_the_command_is_an_invalid_field_at_its_last_byte(bool descriptorSense)
    {
        using var t = TestUnit.Instrumented(descriptorSense: descriptorSense);

        Expect.InvalidFieldInCdb(t.In(Cdb.Read10(0, 1)[..6], expected: 512), descriptorSense, byteOffset: 5);
        Assert.Empty(t.Probe.Calls);
    }

    [Fact]
    public void Cdb_padded_beyond_the_command_length_runs_as_the_command()
    {
        // iSCSI carries every CDB in a 16-byte field: a READ(10) arrives with six bytes of padding.
        using var t = TestUnit.Memory();
        var data = Blocks.Pattern(1, seed: 16);
        t.WriteBlocks(3, data);

        var result = t.In([.. Cdb.Read10(3, 1), 0, 0, 0, 0, 0, 0], expected: 512);

        Expect.Good(result);
        Assert.Equal(data, result.Data);
    }

    [Theory]
    [SenseFormats]
    public void Aca_task_attribute_is_refused_and_the_command_does_not_run(bool descriptorSense)
    {
        // NormACA=0 (standard INQUIRY): no ACA condition can exist, so no ACA task is valid (SAM-5 8.6.5).
        using var t = TestUnit.Instrumented(descriptorSense: descriptorSense);

        var result = t.Run(Cdb.Write10(0, 1), DataDirection.Write, Blocks.Filled(1, 0xEE), 512, null, TaskAttribute.Aca);

        Expect.PlainCheckCondition(result, SenseCode.InvalidFieldInCommandInformationUnit, descriptorSense);
        Assert.Empty(t.Probe.Calls);
    }

    [Fact]
    public void Checks_refuse_a_command_before_it_is_counted_as_run()
    {
        using var t = TestUnit.Memory();

        t.In([0xC0, 0, 0, 0, 0, 0]);
        t.In([OperationCode.TestUnitReady, 0x20, 0, 0, 0, 0]);

        Assert.Equal(0, t.Unit.Counters.OtherCommands);
        Assert.Equal(2, t.Unit.Counters.CheckConditions(SenseKey.IllegalRequest));
    }

    /// <summary>A CDB of the command with its opcode and service action and nothing else set.</summary>
    private static byte[] Minimal(CommandDescriptor d)
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
