using System.Buffers.Binary;

namespace UserDisk.Scsi.Tests;

/// <summary>
/// REPORT SUPPORTED OPERATION CODES (SPC-5 6.35) and REPORT SUPPORTED TASK MANAGEMENT FUNCTIONS (SPC-5 6.36), both
/// answered from <see cref="CommandTable"/>.
/// </summary>
public sealed class ReportSupportedOperationCodesTests
{
    [Fact]
    public void All_commands_lists_every_command_of_the_table_with_its_cdb_length()
    {
        using var t = TestUnit.Memory();

        var data = t.In(Cdb.ReportSupportedOperationCodes(), expected: 8192).Data;

        Assert.Equal(data.Length - 4, (int)BinaryPrimitives.ReadUInt32BigEndian(data));
        var reported = new List<(byte, int, int)>();
        for (var p = 4; p < data.Length; p += 8)
        {
            Assert.Equal(0, data[p + 1]);
            Assert.Equal(0, data[p + 4]);
            var serviceActionValid = (data[p + 5] & 0x01) != 0;
            Assert.Equal(0, data[p + 5] & 0x02);                // CTDP: no timeouts descriptor
            var serviceAction = serviceActionValid ? BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(p + 2)) : -1;
            if (!serviceActionValid)
            {
                Assert.Equal(0, BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(p + 2)));
            }

            reported.Add((data[p], serviceAction, BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(p + 6))));
        }

        Assert.Equal(CommandTable.All.Select(d => (d.OperationCode, d.ServiceAction, d.CdbLength)), reported);
    }

    [Fact]
    public void With_rctd_every_descriptor_carries_a_command_timeouts_descriptor()
    {
        using var t = TestUnit.Memory();

        var data = t.In(Cdb.ReportSupportedOperationCodes(rctd: true), expected: 8192).Data;

        Assert.Equal(4 + (20 * CommandTable.All.Count), data.Length);
        for (var p = 4; p < data.Length; p += 20)
        {
            Assert.Equal(0x02, data[p + 5] & 0x02);             // CTDP
            Assert.Equal(10, BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(p + 8)));
            var nominal = BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(p + 12));
            var recommended = BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(p + 16));
            Assert.InRange(nominal, 1u, recommended);
        }
    }

    [Fact]
    public void One_command_by_opcode_returns_support_and_the_cdb_usage_data()
    {
        using var t = TestUnit.Memory();

        var data = t.In(Cdb.ReportSupportedOperationCodes(options: 1, opcode: OperationCode.Read10)).Data;

        Assert.Equal([0x00, 0x03, 0x00, 10, OperationCode.Read10, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0x3F, 0xFF, 0xFF, 0x07], data);
    }

    [Fact]
    public void One_command_by_opcode_and_service_action_returns_the_service_action_in_its_usage_data()
    {
        using var t = TestUnit.Memory();

        var data = t.In(Cdb.ReportSupportedOperationCodes(options: 2, opcode: OperationCode.ServiceActionIn16, serviceAction: OperationCode.ReadCapacity16ServiceAction)).Data;

        Assert.Equal([0x00, 0x03, 0x00, 16, 0x9E, 0x10, .. Enumerable.Repeat((byte)0xFF, 12), 0x01, 0x07], data);
    }

    [Fact]
    public void Every_command_reports_as_supported_with_usage_data_that_starts_with_its_opcode()
    {
        using var t = TestUnit.Memory();

        foreach (var d in CommandTable.All)
        {
            var options = (byte)(d.ServiceAction < 0 ? 1 : 2);
            var data = t.In(Cdb.ReportSupportedOperationCodes(options, d.OperationCode, (ushort)Math.Max(0, d.ServiceAction))).Data;

            Assert.True(data[1] == 0x03, d.Name);
            Assert.Equal(d.CdbLength, BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(2)));
            Assert.Equal(d.OperationCode, data[4]);
            Assert.Equal(d.UsageData.ToArray(), data[4..]);
        }
    }

    [Theory]
    [InlineData(OperationCode.Read10, (ushort)0)]
    [InlineData(OperationCode.Read10, (ushort)7)]
    [InlineData(OperationCode.ServiceActionIn16, OperationCode.GetLbaStatusServiceAction)]
    public void Reporting_option_3_takes_the_service_action_only_where_the_opcode_has_them(byte opcode, ushort serviceAction)
    {
        using var t = TestUnit.Memory();

        var data = t.In(Cdb.ReportSupportedOperationCodes(options: 3, opcode, serviceAction)).Data;

        Assert.Equal(0x03, data[1]);
        Assert.Equal(opcode, data[4]);
    }

    [Fact]
    public void One_command_with_rctd_appends_the_command_timeouts_descriptor()
    {
        using var t = TestUnit.Memory();

        var data = t.In(Cdb.ReportSupportedOperationCodes(options: 1, opcode: OperationCode.TestUnitReady, rctd: true)).Data;

        Assert.Equal(4 + 6 + 12, data.Length);
        Assert.Equal(0x83, data[1]);                            // CTDP, SUPPORT 011b
        Assert.Equal(10, BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(10)));
    }

    [Theory]
    [InlineData((byte)1, (byte)0xC0, (ushort)0)]
    [InlineData((byte)1, (byte)0x02, (ushort)0)]
    [InlineData((byte)3, (byte)0xFF, (ushort)0)]
    [InlineData((byte)2, OperationCode.ServiceActionIn16, (ushort)0x1F)]
    [InlineData((byte)2, OperationCode.ServiceActionIn16, (ushort)0x0110)]
    [InlineData((byte)2, OperationCode.MaintenanceIn, (ushort)0x05)]
    public void Unsupported_command_is_support_001b_with_no_usage_data(byte options, byte opcode, ushort serviceAction)
    {
        using var t = TestUnit.Memory();

        var result = t.In(Cdb.ReportSupportedOperationCodes(options, opcode, serviceAction));

        Expect.Good(result);
        Assert.Equal([0x00, 0x01, 0x00, 0x00], result.Data);
    }

    [Theory]
    [SenseFormats((byte)1, OperationCode.ServiceActionIn16)]
    [SenseFormats((byte)1, OperationCode.MaintenanceIn)]
    [SenseFormats((byte)2, OperationCode.Read10)]
    [SenseFormats((byte)4, OperationCode.Read10)]
    [SenseFormats((byte)7, OperationCode.Read10)]
    public void Reporting_option_that_does_not_fit_the_opcode_is_an_invalid_field_at_byte_2(byte options, byte opcode, bool descriptorSense)
    {
        using var t = TestUnit.Memory(descriptorSense: descriptorSense);

        Expect.InvalidFieldInCdb(t.In(Cdb.ReportSupportedOperationCodes(options, opcode)), descriptorSense, byteOffset: 2, bit: 2);
    }

    [Fact]
    public void All_commands_is_truncated_to_the_allocation_length()
    {
        using var t = TestUnit.Memory();

        var result = t.In(Cdb.ReportSupportedOperationCodes(allocation: 12), expected: 12);

        Expect.Good(result);
        Assert.Equal(12, result.Data.Length);
        Assert.Equal(8 * CommandTable.All.Count, (int)BinaryPrimitives.ReadUInt32BigEndian(result.Data));
        Assert.Equal(CommandTable.All[0].OperationCode, result.Data[4]);
    }

    [Fact]
    public void Task_management_functions_are_abort_task_abort_task_set_clear_task_set_and_resets()
    {
        using var t = TestUnit.Memory();

        var result = t.In(Cdb.ReportSupportedTaskManagementFunctions());

        Expect.Good(result);
        Assert.Equal([0xDA, 0x00, 0x00, 0x00], result.Data);
    }

    [Fact]
    public void Task_management_functions_with_repd_are_the_sixteen_byte_form()
    {
        using var t = TestUnit.Memory();

        var data = t.In(Cdb.ReportSupportedTaskManagementFunctions(repd: true)).Data;

        Assert.Equal([0xDA, 0x00, 0x00, 0x0C, .. new byte[12]], data);
    }

    [Theory]
    [SenseFormats(0u)]
    [SenseFormats(3u)]
    public void Task_management_functions_with_an_allocation_under_4_is_an_invalid_field_at_the_allocation_length(uint allocation, bool descriptorSense)
    {
        using var t = TestUnit.Memory(descriptorSense: descriptorSense);

        Expect.InvalidFieldInCdb(t.In(Cdb.ReportSupportedTaskManagementFunctions(allocation: allocation)), descriptorSense, byteOffset: 6);
    }
}
