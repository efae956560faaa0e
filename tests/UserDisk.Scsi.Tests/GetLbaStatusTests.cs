using System.Buffers.Binary;

namespace UserDisk.Scsi.Tests;

/// <summary>
/// GET LBA STATUS (SBC-4 5.5): LBA status descriptors of mapped and deallocated extents from the starting LBA. The
/// memory store allocates in 1 MiB chunks (2048 blocks of 512 bytes), so that is the granularity seen here.
/// </summary>
public sealed class GetLbaStatusTests
{
    private const int Chunk = 2048;

    [Fact]
    public void Unwritten_unit_is_one_deallocated_extent()
    {
        using var t = TestUnit.Memory(blocks: 4 * Chunk);

        Assert.Equal([(0ul, 4u * Chunk, false)], t.LbaStatus(0));
    }

    [Fact]
    public void Written_chunks_are_mapped_extents_between_deallocated_ones()
    {
        using var t = TestUnit.Memory(blocks: 8 * Chunk);
        t.WriteBlocks(0, Blocks.Filled(1, 1));
        t.WriteBlocks(2 * Chunk, Blocks.Filled(1, 1));
        t.WriteBlocks(3 * Chunk, Blocks.Filled(1, 1));

        var result = t.In(Cdb.GetLbaStatus(0));

        byte[] expected =
        [
            0, 0, 0, 68, 0, 0, 0, 0,
            .. Descriptor(0, Chunk, 0),
            .. Descriptor(Chunk, Chunk, 1),
            .. Descriptor(2 * Chunk, 2 * Chunk, 0),
            .. Descriptor(4 * Chunk, 4 * Chunk, 1),
        ];
        Assert.Equal(expected, result.Data);
    }

    [Fact]
    public void Unmapped_chunks_become_deallocated_extents()
    {
        using var t = TestUnit.Memory(blocks: 4 * Chunk);
        t.WriteBlocks(0, Blocks.Filled(4 * Chunk, 1));
        var list = Cdb.UnmapParameters((Chunk, Chunk));
        Expect.Good(t.Out(Cdb.Unmap((ushort)list.Length), list));

        Assert.Equal([(0ul, (uint)Chunk, true), ((ulong)Chunk, (uint)Chunk, false), (2ul * Chunk, 2u * Chunk, true)], t.LbaStatus(0));
    }

    [Fact]
    public void Status_starts_at_the_starting_lba_inside_an_extent()
    {
        using var t = TestUnit.Memory(blocks: 4 * Chunk);
        t.WriteBlocks(0, Blocks.Filled(1, 1));

        Assert.Equal([(100ul, (uint)Chunk - 100, true), ((ulong)Chunk, 3u * Chunk, false)], t.LbaStatus(100));
    }

    [Fact]
    public void Status_of_the_last_block_is_one_block()
    {
        using var t = TestUnit.Memory(blocks: 4 * Chunk);

        Assert.Equal([(4ul * Chunk - 1, 1u, false)], t.LbaStatus((4 * Chunk) - 1));
    }

    [Fact]
    public void Descriptors_are_limited_to_what_the_allocation_length_holds()
    {
        using var t = TestUnit.Memory(blocks: 4 * Chunk);
        t.WriteBlocks(0, Blocks.Filled(1, 1));

        var result = t.In(Cdb.GetLbaStatus(0, allocation: 24), expected: 24);

        Expect.Good(result);
        Assert.Equal([0, 0, 0, 20, 0, 0, 0, 0, .. Descriptor(0, Chunk, 0)], result.Data);
    }

    [Fact]
    public void Allocation_length_shorter_than_the_header_returns_part_of_the_header()
    {
        using var t = TestUnit.Memory(blocks: 4 * Chunk);

        var result = t.In(Cdb.GetLbaStatus(0, allocation: 4), expected: 4);

        Expect.Good(result);
        Assert.Equal(4, result.Data.Length);
        Assert.Equal(20u, BinaryPrimitives.ReadUInt32BigEndian(result.Data));
    }

    [Theory]
    [SenseFormats(2048ul)]
    [SenseFormats(ulong.MaxValue)]
    public void Starting_lba_past_the_last_block_is_lba_out_of_range(ulong lba, bool descriptorSense)
    {
        using var t = TestUnit.Memory(blocks: 2048, descriptorSense: descriptorSense);

        Expect.PlainCheckCondition(t.In(Cdb.GetLbaStatus(lba)), SenseCode.LbaOutOfRange, descriptorSense);
    }

    private static byte[] Descriptor(ulong lba, uint blocks, byte status)
    {
        var d = new byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(d, lba);
        BinaryPrimitives.WriteUInt32BigEndian(d.AsSpan(8), blocks);
        d[12] = status;
        return d;
    }
}
