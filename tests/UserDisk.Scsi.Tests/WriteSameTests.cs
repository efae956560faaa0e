using static UserDisk.Scsi.OperationCode;

namespace UserDisk.Scsi.Tests;

/// <summary>
/// WRITE SAME (10) and (16) (SBC-4 5.49, 5.50): one block to every block of the range, or with UNMAP and a zero
/// block (or NDOB) on a thin unit, deallocation. Units here are 8 MiB so whole 1 MiB chunks of the memory store
/// (2048 blocks) can be deallocated.
/// </summary>
public sealed class WriteSameTests
{
    private const byte UnmapBit = 0x08;
    private const byte Ndob = 0x01;
    private const int Chunk = 2048;

    [Theory]
    [InlineData(WriteSame10)]
    [InlineData(WriteSame16)]
    public void Write_same_writes_the_block_to_every_block_of_the_range_and_no_other(byte opcode)
    {
        using var t = TestUnit.Memory(blocks: 4 * Chunk);
        var block = Blocks.Pattern(1, seed: opcode);

        Expect.Good(t.Out(Cdb.LbaCount(opcode, 10, 8), block));

        Assert.Equal([.. Blocks.Zeros(1), .. Enumerable.Repeat(block, 8).SelectMany(b => b), .. Blocks.Zeros(1)], t.ReadBlocks(9, 10));
    }

    [Fact]
    public void Write_same_larger_than_one_scratch_chunk_writes_every_block()
    {
        using var t = TestUnit.Memory(blocks: 4 * Chunk);
        var block = Blocks.Pattern(1, seed: 77);

        Expect.Good(t.Out(Cdb.LbaCount(WriteSame16, 1, 2 * Chunk + 5), block));

        var data = t.ReadBlocks(1, 2 * Chunk + 5);
        for (var i = 0; i < 2 * Chunk + 5; i++)
        {
            Assert.True(block.AsSpan().SequenceEqual(data.AsSpan(i * 512, 512)), $"block {i + 1}");
        }
    }

    [Theory]
    [InlineData(WriteSame10)]
    [InlineData(WriteSame16)]
    public void Unmap_bit_with_a_zero_block_deallocates_the_range(byte opcode)
    {
        using var t = TestUnit.Instrumented(blocks: 4 * Chunk);
        t.WriteBlocks(0, Blocks.Filled(4 * Chunk, 0x3C));
        Assert.Equal([(0ul, 4u * Chunk, true)], t.LbaStatus(0));
        t.Probe.ClearCalls();

        Expect.Good(t.Out(Cdb.LbaCount(opcode, Chunk, Chunk, UnmapBit), Blocks.Zeros(1)));

        Assert.Equal([new BackstoreCall(BackstoreOperation.Unmap, Chunk * 512, Chunk * 512)], t.Probe.Calls);
        Assert.Equal(((ulong)Chunk, (uint)Chunk, false), t.LbaStatus(Chunk)[0]);
        Assert.Equal(Blocks.Zeros(Chunk), t.ReadBlocks(Chunk, Chunk));
    }

    [Fact]
    public void Unmap_bit_with_a_non_zero_block_writes_the_block()
    {
        using var t = TestUnit.Memory(blocks: 4 * Chunk);
        var block = Blocks.Pattern(1, seed: 8);

        Expect.Good(t.Out(Cdb.LbaCount(WriteSame16, 0, 4, UnmapBit), block));

        Assert.Equal([.. block, .. block, .. block, .. block], t.ReadBlocks(0, 4));
        Assert.True(t.LbaStatus(0)[0].Mapped);
    }

    [Fact]
    public void Ndob_with_unmap_deallocates_without_data_out()
    {
        using var t = TestUnit.Memory(blocks: 4 * Chunk);
        t.WriteBlocks(0, Blocks.Filled(4 * Chunk, 0x3C));

        var result = t.Out(Cdb.LbaCount(WriteSame16, 0, Chunk, UnmapBit | Ndob), []);

        Expect.Good(result);
        Expect.Residual(result, ResidualKind.None, 0);
        Assert.Equal((0ul, (uint)Chunk, false), t.LbaStatus(0)[0]);
    }

    [Fact]
    public void Ndob_without_unmap_writes_zeros()
    {
        using var t = TestUnit.Instrumented(blocks: 4 * Chunk);
        t.WriteBlocks(0, Blocks.Filled(4, 0x3C));
        t.Probe.ClearCalls();

        Expect.Good(t.Out(Cdb.LbaCount(WriteSame16, 1, 2, Ndob), []));

        Assert.Equal([.. Blocks.Filled(1, 0x3C), .. Blocks.Zeros(2), .. Blocks.Filled(1, 0x3C)], t.ReadBlocks(0, 4));
        Assert.Empty(t.Probe.CallsOf(BackstoreOperation.Unmap));
    }

    [Fact]
    public void Write_same_with_the_write_cache_disabled_forces_its_writes()
    {
        using var t = TestUnit.Instrumented(options: new LogicalUnitOptions { PowerOnUnitAttention = false, WriteCacheEnabled = false });

        Expect.Good(t.Out(Cdb.LbaCount(WriteSame10, 0, 4), Blocks.Filled(1, 1)));

        Assert.All(t.Probe.CallsOf(BackstoreOperation.Write), c => Assert.True(c.ForceUnitAccess));
    }

    [Theory]
    [SenseFormats(WriteSame10)]
    [SenseFormats(WriteSame16)]
    public void Anchor_is_an_invalid_field_at_byte_1_bit_4(byte opcode, bool descriptorSense)
    {
        using var t = TestUnit.Instrumented(descriptorSense: descriptorSense);

        Expect.InvalidFieldInCdb(t.Out(Cdb.LbaCount(opcode, 0, 1, 0x10 | UnmapBit), Blocks.Zeros(1)), descriptorSense, byteOffset: 1, bit: 4);
        Assert.Empty(t.Probe.Calls);
    }

    [Theory]
    [SenseFormats(WriteSame10, 7)]
    [SenseFormats(WriteSame16, 10)]
    public void Zero_blocks_is_an_invalid_field_at_the_count_since_wsnz_is_set(byte opcode, int countOffset, bool descriptorSense)
    {
        using var t = TestUnit.Instrumented(descriptorSense: descriptorSense);

        Expect.InvalidFieldInCdb(t.Out(Cdb.LbaCount(opcode, 0, 0), Blocks.Filled(1, 9)), descriptorSense, countOffset);
        Assert.Empty(t.Probe.Calls);
    }

    [Theory]
    [SenseFormats(WriteSame10, 7)]
    [SenseFormats(WriteSame16, 10)]
    public void More_blocks_than_the_maximum_write_same_length_is_an_invalid_field_at_the_count(byte opcode, int countOffset, bool descriptorSense)
    {
        var options = new LogicalUnitOptions { PowerOnUnitAttention = false, DescriptorSense = descriptorSense, MaxUnmapBlocks = 16 };
        using var t = TestUnit.Instrumented(options: options);

        Expect.InvalidFieldInCdb(t.Out(Cdb.LbaCount(opcode, 0, 17), Blocks.Filled(1, 9)), descriptorSense, countOffset);
        Assert.Empty(t.Probe.Calls);
        Expect.Good(t.Out(Cdb.LbaCount(opcode, 0, 16), Blocks.Filled(1, 9)));
    }

    [Theory]
    [SenseFormats(WriteSame10)]
    [SenseFormats(WriteSame16)]
    public void Write_same_past_the_last_block_is_lba_out_of_range_and_writes_nothing(byte opcode, bool descriptorSense)
    {
        using var t = TestUnit.Instrumented(blocks: 2048, descriptorSense: descriptorSense);

        Expect.PlainCheckCondition(t.Out(Cdb.LbaCount(opcode, 2040, 9), Blocks.Filled(1, 9)), SenseCode.LbaOutOfRange, descriptorSense);
        Assert.Empty(t.Probe.Calls);
    }

    [Theory]
    [SenseFormats(WriteSame10, (byte)0x20, 7)]
    [SenseFormats(WriteSame16, (byte)0xE0, 7)]
    [SenseFormats(WriteSame10, (byte)0x02, 1)]
    [SenseFormats(WriteSame16, (byte)0x04, 2)]
    public void Wrprotect_lbdata_and_pbdata_are_invalid_fields_in_byte_1(byte opcode, byte flags, int bit, bool descriptorSense)
    {
        using var t = TestUnit.Instrumented(descriptorSense: descriptorSense);

        Expect.InvalidFieldInCdb(t.Out(Cdb.LbaCount(opcode, 0, 1, flags), Blocks.Filled(1, 9)), descriptorSense, byteOffset: 1, bit);
        Assert.Empty(t.Probe.Calls);
    }

    [Theory]
    [SenseFormats(WriteSame10)]
    [SenseFormats(WriteSame16)]
    public void Unmap_bit_on_a_fully_provisioned_unit_is_an_invalid_field_at_byte_1_bit_3(byte opcode, bool descriptorSense)
    {
        using var t = TestUnit.Instrumented(descriptorSense: descriptorSense);
        t.Probe.SupportsUnmapOverride = false;

        Expect.InvalidFieldInCdb(t.Out(Cdb.LbaCount(opcode, 0, 1, UnmapBit), Blocks.Zeros(1)), descriptorSense, byteOffset: 1, bit: 3);
        Assert.Empty(t.Probe.Calls);
    }

    [Theory]
    [SenseFormats(WriteSame10, 7, 256)]
    [SenseFormats(WriteSame16, 10, 256)]
    [SenseFormats(WriteSame10, 7, 1024)]
    public void Data_out_other_than_one_block_is_an_invalid_field_at_the_count_and_writes_nothing(byte opcode, int countOffset, int dataOut, bool descriptorSense)
    {
        using var t = TestUnit.Instrumented(descriptorSense: descriptorSense);

        Expect.InvalidFieldInCdb(t.Out(Cdb.LbaCount(opcode, 0, 4), new byte[dataOut]), descriptorSense, countOffset);

        Assert.Empty(t.Probe.Calls);
    }
}
