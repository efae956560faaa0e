using static UserDisk.Scsi.OperationCode;

namespace UserDisk.Scsi.Tests;

/// <summary>
/// VERIFY (10), (12), (16) and WRITE AND VERIFY (10), (12), (16) (SBC-4 5.30-5.33, 5.46-5.48). BYTCHK 00b checks the
/// medium only, 01b compares with the data-out buffer, 11b compares every block with one block (VERIFY only).
/// </summary>
public sealed class VerifyTests
{
    [Theory]
    [InlineData(Verify10)]
    [InlineData(Verify12)]
    [InlineData(Verify16)]
    public void Verify_without_byte_check_reads_the_range_and_takes_no_data(byte verify)
    {
        using var t = TestUnit.Instrumented();

        var result = t.In(Cdb.LbaCount(verify, 10, 4), expected: 0);

        Expect.Good(result);
        Assert.Equal([new BackstoreCall(BackstoreOperation.Read, 10 * 512, 4 * 512)], t.Probe.CallsOf(BackstoreOperation.Read));
    }

    [Theory]
    [InlineData(Verify10)]
    [InlineData(Verify12)]
    [InlineData(Verify16)]
    public void Verify_with_byte_check_1_of_matching_data_is_good(byte verify)
    {
        using var t = TestUnit.Memory();
        var data = Blocks.Pattern(3, seed: 1);
        t.WriteBlocks(20, data);

        Expect.Good(t.Out(Cdb.LbaCount(verify, 20, 3, Cdb.ByteCheck(1)), data));
    }

    [Theory]
    [SenseFormats(Verify10, 0)]
    [SenseFormats(Verify12, 700)]
    [SenseFormats(Verify16, 1535)]
    public void Verify_with_byte_check_1_of_different_data_is_miscompare_at_the_first_differing_byte(byte verify, int at, bool descriptorSense)
    {
        using var t = TestUnit.Memory(descriptorSense: descriptorSense);
        var data = Blocks.Pattern(3, seed: 1);
        t.WriteBlocks(20, data);
        var sent = (byte[])data.Clone();
        sent[at] ^= 0x01;
        sent[^1] ^= 0x80;

        Expect.Miscompare(t.Out(Cdb.LbaCount(verify, 20, 3, Cdb.ByteCheck(1)), sent), descriptorSense, (ulong)at);
    }

    [Fact]
    public void Verify_with_byte_check_1_compares_deallocated_blocks_as_zeros()
    {
        using var t = TestUnit.Memory();

        Expect.Good(t.Out(Cdb.LbaCount(Verify16, 100, 2, Cdb.ByteCheck(1)), Blocks.Zeros(2)));
    }

    [Theory]
    [InlineData(Verify10)]
    [InlineData(Verify12)]
    [InlineData(Verify16)]
    public void Verify_with_byte_check_3_compares_every_block_with_the_one_sent(byte verify)
    {
        using var t = TestUnit.Memory();
        var block = Blocks.Pattern(1, seed: 5);
        t.WriteBlocks(8, [.. block, .. block, .. block, .. block]);

        var result = t.Out(Cdb.LbaCount(verify, 8, 4, Cdb.ByteCheck(3)), block);

        Expect.Good(result);
        Expect.Residual(result, ResidualKind.None, 0);
    }

    [Theory]
    [SenseFormats]
    public void Verify_with_byte_check_3_reports_the_offset_within_the_block_sent(bool descriptorSense)
    {
        using var t = TestUnit.Memory(descriptorSense: descriptorSense);
        var block = Blocks.Pattern(1, seed: 5);
        var medium = (byte[])[.. block, .. block, .. block, .. block];
        medium[(2 * 512) + 5] ^= 0xFF;
        t.WriteBlocks(8, medium);

        Expect.Miscompare(t.Out(Cdb.LbaCount(Verify10, 8, 4, Cdb.ByteCheck(3)), block), descriptorSense, 5);
    }

    [Theory]
    [SenseFormats(Verify10)]
    [SenseFormats(Verify16)]
    public void Verify_with_byte_check_2_is_an_invalid_field_at_byte_1_bit_2(byte verify, bool descriptorSense)
    {
        using var t = TestUnit.Instrumented(descriptorSense: descriptorSense);

        Expect.InvalidFieldInCdb(t.Out(Cdb.LbaCount(verify, 0, 1, Cdb.ByteCheck(2)), Blocks.Zeros(1)), descriptorSense, byteOffset: 1, bit: 2);
        Assert.Empty(t.Probe.Calls);
    }

    [Theory]
    [SenseFormats(Verify10)]
    [SenseFormats(Verify12)]
    [SenseFormats(Verify16)]
    public void Verify_with_vrprotect_is_an_invalid_field_at_byte_1_bit_7(byte verify, bool descriptorSense)
    {
        using var t = TestUnit.Memory(descriptorSense: descriptorSense);

        Expect.InvalidFieldInCdb(t.In(Cdb.LbaCount(verify, 0, 1, 0x20), expected: 0), descriptorSense, byteOffset: 1, bit: 7);
    }

    [Theory]
    [SenseFormats(Verify10, 0)]
    [SenseFormats(Verify12, 1)]
    [SenseFormats(Verify16, 3)]
    public void Verify_past_the_last_block_is_lba_out_of_range(byte verify, int bytchk, bool descriptorSense)
    {
        using var t = TestUnit.Instrumented(blocks: 2048, descriptorSense: descriptorSense);

        Expect.PlainCheckCondition(t.Out(Cdb.LbaCount(verify, 2047, 2, Cdb.ByteCheck(bytchk)), Blocks.Zeros(2)), SenseCode.LbaOutOfRange, descriptorSense);
        Assert.Empty(t.Probe.Calls);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    public void Verify_of_zero_blocks_is_good_and_reads_nothing(int bytchk)
    {
        using var t = TestUnit.Instrumented();

        Expect.Good(t.Out(Cdb.LbaCount(Verify16, 0, 0, Cdb.ByteCheck(bytchk)), []));

        Assert.Empty(t.Probe.Calls);
    }

    [Theory]
    [SenseFormats(Verify10, 7)]
    [SenseFormats(Verify12, 6)]
    [SenseFormats(Verify16, 10)]
    public void Verify_with_byte_check_1_above_the_maximum_transfer_is_an_invalid_field_at_the_length(byte verify, int lengthOffset, bool descriptorSense)
    {
        var options = new LogicalUnitOptions { PowerOnUnitAttention = false, DescriptorSense = descriptorSense, MaxTransferBytes = 4 * 512 };
        using var t = TestUnit.Memory(options: options);

        Expect.InvalidFieldInCdb(t.Out(Cdb.LbaCount(verify, 0, 5, Cdb.ByteCheck(1)), Blocks.Zeros(5)), descriptorSense, lengthOffset);
    }

    [Fact]
    public void Verify_without_byte_check_is_not_bound_by_the_maximum_transfer()
    {
        var options = new LogicalUnitOptions { PowerOnUnitAttention = false, MaxTransferBytes = 4 * 512 };
        using var t = TestUnit.Memory(options: options);

        Expect.Good(t.In(Cdb.LbaCount(Verify16, 0, 2048), expected: 0));
    }

    [Theory]
    [SenseFormats]
    public void Verify_with_less_data_out_than_the_blocks_is_refused_with_an_overflow(bool descriptorSense)
    {
        using var t = TestUnit.Memory(descriptorSense: descriptorSense);

        var result = t.Out(Cdb.LbaCount(Verify10, 0, 2, Cdb.ByteCheck(1)), Blocks.Zeros(1));

        Expect.PlainCheckCondition(result, SenseCode.InvalidFieldInCommandInformationUnit, descriptorSense);
        Expect.Residual(result, ResidualKind.Overflow, 512);
    }

    [Theory]
    [InlineData(WriteAndVerify10, 0)]
    [InlineData(WriteAndVerify10, 1)]
    [InlineData(WriteAndVerify12, 0)]
    [InlineData(WriteAndVerify12, 1)]
    [InlineData(WriteAndVerify16, 0)]
    [InlineData(WriteAndVerify16, 1)]
    public void Write_and_verify_writes_the_data_forced_to_the_medium(byte writeAndVerify, int bytchk)
    {
        using var t = TestUnit.Instrumented();
        var data = Blocks.Pattern(3, seed: writeAndVerify);

        Expect.Good(t.Out(Cdb.LbaCount(writeAndVerify, 40, 3, Cdb.ByteCheck(bytchk)), data));

        Assert.Equal(data, t.ReadBlocks(40, 3));
        Assert.Equal([new BackstoreCall(BackstoreOperation.Write, 40 * 512, 3 * 512, ForceUnitAccess: true)], t.Probe.CallsOf(BackstoreOperation.Write));
    }

    [Theory]
    [SenseFormats(WriteAndVerify10, 0)]
    [SenseFormats(WriteAndVerify16, 1)]
    public void Write_and_verify_of_a_medium_that_does_not_keep_the_data_is_miscompare(byte writeAndVerify, int bytchk, bool descriptorSense)
    {
        using var t = TestUnit.Instrumented(descriptorSense: descriptorSense);
        t.Probe.TamperRead = (call, data) => data.Span[600] ^= 0x40;

        Expect.Miscompare(t.Out(Cdb.LbaCount(writeAndVerify, 0, 2, Cdb.ByteCheck(bytchk)), Blocks.Pattern(2, seed: 3)), descriptorSense, 600);
    }

    [Theory]
    [SenseFormats(WriteAndVerify10, 2)]
    [SenseFormats(WriteAndVerify12, 3)]
    [SenseFormats(WriteAndVerify16, 3)]
    public void Write_and_verify_with_byte_check_2_or_3_is_an_invalid_field_and_writes_nothing(byte writeAndVerify, int bytchk, bool descriptorSense)
    {
        using var t = TestUnit.Instrumented(descriptorSense: descriptorSense);

        Expect.InvalidFieldInCdb(t.Out(Cdb.LbaCount(writeAndVerify, 0, 1, Cdb.ByteCheck(bytchk)), Blocks.Filled(1, 0x5A)), descriptorSense, byteOffset: 1, bit: 2);
        Assert.Empty(t.Probe.Calls);
    }

    [Theory]
    [SenseFormats(WriteAndVerify10)]
    [SenseFormats(WriteAndVerify12)]
    [SenseFormats(WriteAndVerify16)]
    public void Write_and_verify_with_wrprotect_is_an_invalid_field_at_byte_1_bit_7(byte writeAndVerify, bool descriptorSense)
    {
        using var t = TestUnit.Instrumented(descriptorSense: descriptorSense);

        Expect.InvalidFieldInCdb(t.Out(Cdb.LbaCount(writeAndVerify, 0, 1, 0x40), Blocks.Filled(1, 0x5A)), descriptorSense, byteOffset: 1, bit: 7);
        Assert.Empty(t.Probe.Calls);
    }

    [Theory]
    [SenseFormats(WriteAndVerify10)]
    [SenseFormats(WriteAndVerify16)]
    public void Write_and_verify_past_the_last_block_is_lba_out_of_range_and_writes_nothing(byte writeAndVerify, bool descriptorSense)
    {
        using var t = TestUnit.Instrumented(blocks: 2048, descriptorSense: descriptorSense);

        Expect.PlainCheckCondition(t.Out(Cdb.LbaCount(writeAndVerify, 2048, 1), Blocks.Filled(1, 0x5A)), SenseCode.LbaOutOfRange, descriptorSense);
        Assert.Empty(t.Probe.Calls);
    }

    [Fact]
    public void Write_and_verify_of_zero_blocks_is_good_and_writes_nothing()
    {
        using var t = TestUnit.Instrumented();

        Expect.Good(t.Out(Cdb.LbaCount(WriteAndVerify16, 0, 0), []));

        Assert.Empty(t.Probe.Calls);
    }

    [Fact]
    public void Write_and_verify_with_less_data_out_than_the_blocks_writes_and_verifies_what_was_sent()
    {
        using var t = TestUnit.Instrumented();
        t.WriteBlocks(0, Blocks.Filled(2, 0x11));
        t.Probe.ClearCalls();
        var sent = Blocks.Pattern(1, seed: 4);

        var result = t.Out(Cdb.LbaCount(WriteAndVerify10, 0, 2, Cdb.ByteCheck(1)), sent);

        Expect.Good(result);
        Expect.Residual(result, ResidualKind.Overflow, 512);
        Assert.Equal([new BackstoreCall(BackstoreOperation.Write, 0, 512, ForceUnitAccess: true)], t.Probe.CallsOf(BackstoreOperation.Write));
        Assert.Equal([.. sent, .. Blocks.Filled(1, 0x11)], t.ReadBlocks(0, 2));
    }
}
