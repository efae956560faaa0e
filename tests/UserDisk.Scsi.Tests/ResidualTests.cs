using static UserDisk.Scsi.OperationCode;

namespace UserDisk.Scsi.Tests;

/// <summary>
/// Residuals (SAM-5 5.4.3, iSCSI RFC 7143 11.4.5.1): the data a command wanted (SPDTL) against what the transport
/// expected (EDTL). More expected than needed is an underflow; more needed than expected is refused whole.
/// </summary>
public sealed class ResidualTests
{
    [Fact]
    public void Read_with_a_larger_expected_length_is_good_with_an_underflow_of_the_difference()
    {
        using var t = TestUnit.Memory();
        var data = Blocks.Pattern(1, seed: 2);
        t.WriteBlocks(0, data);

        var result = t.In(Cdb.Read10(0, 1), expected: 1024);

        Expect.Good(result);
        Assert.Equal(data, result.Data);
        Expect.Residual(result, ResidualKind.Underflow, 512);
    }

    [Fact]
    public void Write_with_a_larger_expected_length_writes_only_the_blocks_named_with_an_underflow()
    {
        using var t = TestUnit.Memory();
        var data = Blocks.Pattern(2, seed: 4);

        var result = t.Out(Cdb.Write10(0, 1), data);

        Expect.Good(result);
        Expect.Residual(result, ResidualKind.Underflow, 512);
        Assert.Equal([.. data[..512], .. Blocks.Zeros(1)], t.ReadBlocks(0, 2));
    }

    [Fact]
    public void Read_needing_more_than_expected_returns_what_was_expected_with_an_overflow()
    {
        // SPDTL > EDTL: RFC 7143 11.4.5.1 and FCP-4 let the target send only what the initiator expects.
        using var t = TestUnit.Memory();
        var data = Blocks.Pattern(2, seed: 5);
        t.WriteBlocks(0, data);

        var result = t.In(Cdb.Read10(0, 2), expected: 512);

        Expect.Good(result);
        Assert.Equal(data[..512], result.Data);
        Expect.Residual(result, ResidualKind.Overflow, 512);
    }

    [Fact]
    public void Read_cut_short_inside_a_block_returns_exactly_the_expected_bytes()
    {
        using var t = TestUnit.Memory();
        var data = Blocks.Pattern(2, seed: 6);
        t.WriteBlocks(0, data);

        var result = t.In(Cdb.Read10(0, 2), expected: 700);

        Expect.Good(result);
        Assert.Equal(data[..700], result.Data);
        Expect.Residual(result, ResidualKind.Overflow, 1024 - 700);
    }

    [Theory]
    [InlineData(Write6)]
    [InlineData(Write10)]
    [InlineData(Write12)]
    [InlineData(Write16)]
    public void Write_needing_more_than_expected_writes_only_what_was_sent_with_an_overflow(byte write)
    {
        using var t = TestUnit.Memory();
        var before = Blocks.Filled(3, 0x11);
        t.WriteBlocks(0, before);
        var sent = Blocks.Pattern(1, seed: write);

        var result = t.Out(Cdb.ReadWrite(write, 0, 2), sent);

        Expect.Good(result);
        Expect.Residual(result, ResidualKind.Overflow, 512);
        Assert.Equal([.. sent, .. before[512..]], t.ReadBlocks(0, 3));
    }

    [Fact]
    public void Write_cut_short_inside_a_block_keeps_the_rest_of_that_block()
    {
        using var t = TestUnit.Memory();
        var before = Blocks.Filled(2, 0x11);
        t.WriteBlocks(0, before);
        var sent = Blocks.Pattern(2, seed: 9)[..700];

        var result = t.Out(Cdb.Write10(0, 2), sent);

        Expect.Good(result);
        Expect.Residual(result, ResidualKind.Overflow, 1024 - 700);
        Assert.Equal([.. sent, .. before[700..]], t.ReadBlocks(0, 2));
    }

    [Fact]
    public void Zero_length_read_with_an_expected_length_is_an_underflow_of_all_of_it()
    {
        using var t = TestUnit.Memory();

        var result = t.In(Cdb.Read10(0, 0), expected: 512);

        Expect.Good(result);
        Expect.Residual(result, ResidualKind.Underflow, 512);
    }

    [Fact]
    public void Parameter_data_longer_than_expected_is_truncated_to_it_with_an_overflow()
    {
        using var t = TestUnit.Memory();

        var result = t.In(Cdb.Inquiry(allocation: 255), expected: 36);

        Expect.Good(result);
        Assert.Equal(36, result.Data.Length);
        Expect.Residual(result, ResidualKind.Overflow, 74 - 36);
    }

    [Fact]
    public void Command_without_data_and_no_expected_length_has_no_residual()
    {
        using var t = TestUnit.Memory();

        Expect.Residual(t.In(Cdb.TestUnitReady(), expected: 0), ResidualKind.None, 0);
    }

    [Fact]
    public void Verify_without_byte_check_takes_no_data_out_so_all_expected_is_underflow()
    {
        using var t = TestUnit.Memory();

        var result = t.Out(Cdb.LbaCount(Verify10, 0, 4), new byte[512]);

        Expect.Good(result);
        Expect.Residual(result, ResidualKind.Underflow, 512);
    }

    [Theory]
    [SenseFormats]
    public void Mode_select_list_longer_than_expected_is_refused_with_an_overflow(bool descriptorSense)
    {
        using var t = TestUnit.Memory(descriptorSense: descriptorSense);

        var result = t.Out(Cdb.ModeSelect6(24), new byte[8]);

        Expect.PlainCheckCondition(result, SenseCode.InvalidFieldInCommandInformationUnit, descriptorSense);
        Expect.Residual(result, ResidualKind.Overflow, 16);
    }
}
