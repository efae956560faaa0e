using UserDisk.Storage;
using static UserDisk.Scsi.OperationCode;

namespace UserDisk.Scsi.Tests;

/// <summary>READ and WRITE (6), (10), (12), (16) (SBC-4 5.11-5.16, 5.40-5.45).</summary>
public sealed class ReadWriteTests
{
    [Theory]
    [InlineData(Write6, Read6)]
    [InlineData(Write10, Read10)]
    [InlineData(Write12, Read12)]
    [InlineData(Write16, Read16)]
    public void Data_written_reads_back_through_the_same_variant_on_a_file_backstore(byte write, byte read)
    {
        using var t = TestUnit.File(blocks: 4096);
        var data = Blocks.Pattern(5, seed: write);

        Expect.Good(t.Out(Cdb.ReadWrite(write, 1000, 5), data));
        var result = t.In(Cdb.ReadWrite(read, 1000, 5), expected: data.Length);

        Expect.Good(result);
        Assert.Equal(data, result.Data);
        Assert.Equal(data, FileBytes(t, 1000 * 512, data.Length));
    }

    [Theory]
    [InlineData(Write6, Read16)]
    [InlineData(Write10, Read6)]
    [InlineData(Write12, Read10)]
    [InlineData(Write16, Read12)]
    public void Data_written_with_one_variant_reads_back_with_another_on_a_file_backstore(byte write, byte read)
    {
        using var t = TestUnit.File(blocks: 4096);
        var data = Blocks.Pattern(3, seed: read);

        Expect.Good(t.Out(Cdb.ReadWrite(write, 77, 3), data));

        Assert.Equal(data, t.In(Cdb.ReadWrite(read, 77, 3), expected: data.Length).Data);
    }

    [Fact]
    public void Read_6_with_transfer_length_zero_reads_256_blocks()
    {
        using var t = TestUnit.Memory();
        var data = Blocks.Pattern(256, seed: 6);
        t.WriteBlocks(10, data);

        var result = t.In(Cdb.Rw6(Read6, 10, 0), expected: 256 * 512);

        Expect.Good(result);
        Assert.Equal(data, result.Data);
        Expect.Residual(result, ResidualKind.None, 0);
    }

    [Fact]
    public void Write_6_with_transfer_length_zero_writes_256_blocks()
    {
        using var t = TestUnit.Memory();
        var data = Blocks.Pattern(256, seed: 7);

        Expect.Good(t.Out(Cdb.Rw6(Write6, 10, 0), data));

        Assert.Equal(data, t.ReadBlocks(10, 256));
        Assert.Equal(Blocks.Zeros(1), t.ReadBlocks(266, 1));
    }

    [Fact]
    public void Read_6_addresses_with_all_21_bits_of_its_lba()
    {
        using var t = TestUnit.Memory(blocks: 0x20000);
        var data = Blocks.Pattern(1, seed: 21);
        t.WriteBlocks(0x1_0203, data);

        Assert.Equal(data, t.In(Cdb.Rw6(Read6, 0x1_0203, 1), expected: 512).Data);
    }

    [Fact]
    public void Zero_length_read_10_is_good_and_moves_no_data()
    {
        using var t = TestUnit.Instrumented();

        var result = t.In(Cdb.Read10(0, 0), expected: 0);

        Expect.Good(result);
        Assert.Empty(result.Data);
        Expect.Residual(result, ResidualKind.None, 0);
        Assert.Empty(t.Probe.CallsOf(BackstoreOperation.Read));
    }

    [Fact]
    public void Zero_length_write_10_is_good_and_writes_nothing()
    {
        using var t = TestUnit.Instrumented();

        Expect.Good(t.Out(Cdb.Write10(0, 0), []));

        Assert.Empty(t.Probe.CallsOf(BackstoreOperation.Write));
    }

    [Theory]
    [InlineData(Read6)]
    [InlineData(Read10)]
    [InlineData(Read12)]
    [InlineData(Read16)]
    public void Last_block_is_readable(byte read)
    {
        using var t = TestUnit.Memory(blocks: 2048);
        var data = Blocks.Pattern(1, seed: 9);
        t.WriteBlocks(2047, data);

        Assert.Equal(data, t.In(Cdb.ReadWrite(read, 2047, 1), expected: 512).Data);
    }

    [Theory]
    [SenseFormats(Read6, 2048u, 1u)]
    [SenseFormats(Read10, 2048u, 1u)]
    [SenseFormats(Read12, 2048u, 1u)]
    [SenseFormats(Read16, 2048u, 1u)]
    [SenseFormats(Read10, 2046u, 3u)]
    [SenseFormats(Read10, 0xFFFF_FFFFu, 1u)]
    [SenseFormats(Read12, 0xFFFF_FFFFu, 0xFFFF_FFFFu)]
    public void Read_past_the_last_block_is_lba_out_of_range_and_reads_nothing(byte read, uint lba, uint blocks, bool descriptorSense)
    {
        using var t = TestUnit.Instrumented(blocks: 2048, descriptorSense: descriptorSense);

        var result = t.In(Cdb.ReadWrite(read, lba, blocks), expected: 512);

        Expect.PlainCheckCondition(result, SenseCode.LbaOutOfRange, descriptorSense);
        Assert.Empty(result.Data);
        Assert.Empty(t.Probe.CallsOf(BackstoreOperation.Read));
    }

    [Theory]
    [SenseFormats(Write6, 2048u, 1u)]
    [SenseFormats(Write10, 2048u, 1u)]
    [SenseFormats(Write12, 2048u, 1u)]
    [SenseFormats(Write16, 2048u, 1u)]
    [SenseFormats(Write16, 2047u, 2u)]
    public void Write_past_the_last_block_is_lba_out_of_range_and_writes_nothing(byte write, uint lba, uint blocks, bool descriptorSense)
    {
        using var t = TestUnit.Instrumented(blocks: 2048, descriptorSense: descriptorSense);

        var result = t.Out(Cdb.ReadWrite(write, lba, blocks), Blocks.Filled((int)blocks, 0xAB));

        Expect.PlainCheckCondition(result, SenseCode.LbaOutOfRange, descriptorSense);
        Assert.Empty(t.Probe.CallsOf(BackstoreOperation.Write));
    }

    [Theory]
    [SenseFormats(Read16, 0x8000_0000_0000_0000ul)]
    [SenseFormats(Read16, ulong.MaxValue - 1)]
    [SenseFormats(Write16, ulong.MaxValue - 1)]
    public void Lba_far_past_the_end_or_wrapping_past_64_bits_is_lba_out_of_range(byte opcode, ulong lba, bool descriptorSense)
    {
        using var t = TestUnit.Instrumented(blocks: 2048, descriptorSense: descriptorSense);

        var result = t.Run(Cdb.Rw16(opcode, lba, 4), opcode == Read16 ? DataDirection.Read : DataDirection.Write, new byte[2048], 2048, null, TaskAttribute.Simple);

        Expect.PlainCheckCondition(result, SenseCode.LbaOutOfRange, descriptorSense);
        Assert.Empty(t.Probe.Calls);
    }

    [Theory]
    [SenseFormats(Read10, (byte)0x20)]
    [SenseFormats(Read12, (byte)0x40)]
    [SenseFormats(Read16, (byte)0xE0)]
    public void Read_with_rdprotect_is_an_invalid_field_at_byte_1_bit_7(byte read, byte protect, bool descriptorSense)
    {
        using var t = TestUnit.Instrumented(descriptorSense: descriptorSense);

        var result = t.In(Cdb.ReadWrite(read, 0, 1, protect), expected: 512);

        Expect.InvalidFieldInCdb(result, descriptorSense, byteOffset: 1, bit: 7);
        Assert.Empty(t.Probe.Calls);
    }

    [Theory]
    [SenseFormats(Write10, (byte)0x20)]
    [SenseFormats(Write12, (byte)0x80)]
    [SenseFormats(Write16, (byte)0xA0)]
    public void Write_with_wrprotect_is_an_invalid_field_at_byte_1_bit_7_and_writes_nothing(byte write, byte protect, bool descriptorSense)
    {
        using var t = TestUnit.Instrumented(descriptorSense: descriptorSense);

        var result = t.Out(Cdb.ReadWrite(write, 0, 1, protect), Blocks.Filled(1, 0xAB));

        Expect.InvalidFieldInCdb(result, descriptorSense, byteOffset: 1, bit: 7);
        Assert.Empty(t.Probe.Calls);
    }

    [Theory]
    [SenseFormats(Read6, 4)]
    [SenseFormats(Read10, 7)]
    [SenseFormats(Read12, 6)]
    [SenseFormats(Read16, 10)]
    [SenseFormats(Write6, 4)]
    [SenseFormats(Write10, 7)]
    [SenseFormats(Write12, 6)]
    [SenseFormats(Write16, 10)]
    public void Transfer_above_the_maximum_is_an_invalid_field_at_the_transfer_length(byte opcode, int lengthOffset, bool descriptorSense)
    {
        var options = new LogicalUnitOptions { PowerOnUnitAttention = false, DescriptorSense = descriptorSense, MaxTransferBytes = 8 * 512 };
        using var t = TestUnit.Instrumented(options: options);
        var direction = opcode is Read6 or Read10 or Read12 or Read16 ? DataDirection.Read : DataDirection.Write;

        var result = t.Run(Cdb.ReadWrite(opcode, 0, 9), direction, new byte[9 * 512], 9 * 512, null, TaskAttribute.Simple);

        Expect.InvalidFieldInCdb(result, descriptorSense, lengthOffset);
        Assert.Empty(t.Probe.Calls);
    }

    [Theory]
    [InlineData(Read10)]
    [InlineData(Write16)]
    public void Transfer_of_exactly_the_maximum_is_allowed(byte opcode)
    {
        var options = new LogicalUnitOptions { PowerOnUnitAttention = false, MaxTransferBytes = 8 * 512 };
        using var t = TestUnit.Memory(options: options);
        var direction = opcode == Read10 ? DataDirection.Read : DataDirection.Write;

        Expect.Good(t.Run(Cdb.ReadWrite(opcode, 0, 8), direction, new byte[8 * 512], 8 * 512, null, TaskAttribute.Simple));
    }

    [Theory]
    [InlineData(Write10)]
    [InlineData(Write12)]
    [InlineData(Write16)]
    public void Fua_write_reaches_the_backstore_as_force_unit_access(byte write)
    {
        using var t = TestUnit.Instrumented();

        Expect.Good(t.Out(Cdb.ReadWrite(write, 3, 2, flags: 0x08), Blocks.Pattern(2, seed: 1)));

        Assert.Equal([new BackstoreCall(BackstoreOperation.Write, 3 * 512, 1024, ForceUnitAccess: true)], t.Probe.CallsOf(BackstoreOperation.Write));
    }

    [Theory]
    [InlineData(Write6)]
    [InlineData(Write10)]
    [InlineData(Write12)]
    [InlineData(Write16)]
    public void Write_without_fua_and_with_the_write_cache_on_is_not_forced(byte write)
    {
        using var t = TestUnit.Instrumented();

        Expect.Good(t.Out(Cdb.ReadWrite(write, 3, 2), Blocks.Pattern(2, seed: 1)));

        Assert.Equal([new BackstoreCall(BackstoreOperation.Write, 3 * 512, 1024, ForceUnitAccess: false)], t.Probe.CallsOf(BackstoreOperation.Write));
    }

    [Theory]
    [InlineData(Write6)]
    [InlineData(Write10)]
    [InlineData(Write12)]
    [InlineData(Write16)]
    public void With_the_write_cache_disabled_by_option_every_write_is_forced(byte write)
    {
        using var t = TestUnit.Instrumented(options: new LogicalUnitOptions { PowerOnUnitAttention = false, WriteCacheEnabled = false });

        Expect.Good(t.Out(Cdb.ReadWrite(write, 3, 1), Blocks.Pattern(1, seed: 1)));

        Assert.All(t.Probe.CallsOf(BackstoreOperation.Write), c => Assert.True(c.ForceUnitAccess));
        Assert.Single(t.Probe.CallsOf(BackstoreOperation.Write));
    }

    [Theory]
    [InlineData(Read10, (byte)0x18)]
    [InlineData(Read16, (byte)0x14)]
    [InlineData(Write10, (byte)0x10)]
    public void Dpo_fua_and_rarc_are_accepted(byte opcode, byte flags)
    {
        using var t = TestUnit.Memory();
        var direction = opcode is Read10 or Read16 ? DataDirection.Read : DataDirection.Write;

        Expect.Good(t.Run(Cdb.ReadWrite(opcode, 0, 1, flags), direction, new byte[512], 512, null, TaskAttribute.Simple));
    }

    [Fact]
    public void Write_changes_exactly_the_blocks_it_names()
    {
        using var t = TestUnit.Memory();
        var data = Blocks.Pattern(2, seed: 3);

        Expect.Good(t.Out(Cdb.Write10(7, 2), data));

        Assert.Equal([.. Blocks.Zeros(1), .. data, .. Blocks.Zeros(1)], t.ReadBlocks(6, 4));
    }

    [Fact]
    public void Reads_and_writes_are_counted_with_their_bytes()
    {
        using var t = TestUnit.Memory();

        t.Out(Cdb.Write10(0, 2), Blocks.Zeros(2));
        t.In(Cdb.Read10(0, 3), expected: 3 * 512);

        Assert.Equal(1, t.Unit.Counters.WriteCommands);
        Assert.Equal(1024, t.Unit.Counters.BytesWritten);
        Assert.Equal(1, t.Unit.Counters.ReadCommands);
        Assert.Equal(1536, t.Unit.Counters.BytesRead);
    }

    private static byte[] FileBytes(TestUnit t, long offset, int length)
    {
        var path = ((FileBackstore)t.Backstore).Path;
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var bytes = new byte[length];
        file.Position = offset;
        file.ReadExactly(bytes);
        return bytes;
    }
}
