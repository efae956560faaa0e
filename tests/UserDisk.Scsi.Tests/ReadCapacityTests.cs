using System.Buffers.Binary;
using UserDisk.Storage;

namespace UserDisk.Scsi.Tests;

/// <summary>READ CAPACITY (10) and (16) (SBC-4 5.20, 5.21).</summary>
public sealed class ReadCapacityTests
{
    [Fact]
    public void Read_capacity_10_returns_the_last_lba_and_the_block_length()
    {
        using var t = TestUnit.Memory(blocks: 2048);

        var result = t.In(Cdb.ReadCapacity10(), expected: 8);

        Expect.Good(result);
        Assert.Equal([0x00, 0x00, 0x07, 0xFF, 0x00, 0x00, 0x02, 0x00], result.Data);
    }

    [Fact]
    public void Read_capacity_16_returns_last_lba_block_length_and_provisioning()
    {
        using var t = TestUnit.Memory(blocks: 2048);

        var result = t.In(Cdb.ReadCapacity16(), expected: 32);

        Expect.Good(result);
        byte[] expected =
        [
            0, 0, 0, 0, 0, 0, 0x07, 0xFF,   // RETURNED LOGICAL BLOCK ADDRESS
            0, 0, 0x02, 0x00,               // LOGICAL BLOCK LENGTH IN BYTES
            0x00,                           // no protection
            0x00,                           // LOGICAL BLOCKS PER PHYSICAL BLOCK EXPONENT: 0 unless configured
            0xC0, 0x00,                     // LBPME, LBPRZ; LOWEST ALIGNED LBA 0
            .. new byte[16],
        ];
        Assert.Equal(expected, result.Data);
    }

    [Fact]
    public void Read_capacity_16_reports_the_configured_physical_block_exponent()
    {
        using var t = TestUnit.Memory(options: new LogicalUnitOptions { PowerOnUnitAttention = false, PhysicalBlockExponent = 3 });

        var data = t.In(Cdb.ReadCapacity16(), expected: 32).Data;

        Assert.Equal(3, data[13]);                  // 8 x 512-byte logical blocks per 4 KiB physical block
        Assert.Equal(0xC0, data[14]);
    }

    [Fact]
    public void Read_capacity_16_of_4096_byte_blocks_has_physical_exponent_zero()
    {
        using var t = TestUnit.Memory(blocks: 256, blockSize: 4096);

        var data = t.In(Cdb.ReadCapacity16(), expected: 32).Data;

        Assert.Equal(255ul, BinaryPrimitives.ReadUInt64BigEndian(data));
        Assert.Equal(4096u, BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(8)));
        Assert.Equal(0, data[13]);
    }

    [Fact]
    public void Read_capacity_16_of_a_fully_provisioned_unit_clears_lbpme_and_lbprz()
    {
        using var t = TestUnit.Instrumented();
        t.Probe.SupportsUnmapOverride = false;

        var data = t.In(Cdb.ReadCapacity16(), expected: 32).Data;

        Assert.Equal(0, data[14]);
    }

    [Fact]
    public void Read_capacity_10_saturates_at_ffffffff_beyond_two_to_the_32_blocks()
    {
        using var t = new TestUnit(new NullBackstore("huge", (1L << 33) * 512), TestUnit.Options());

        var rc10 = t.In(Cdb.ReadCapacity10(), expected: 8);
        var rc16 = t.In(Cdb.ReadCapacity16(), expected: 32);

        Assert.Equal([0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x02, 0x00], rc10.Data);
        Assert.Equal((1ul << 33) - 1, BinaryPrimitives.ReadUInt64BigEndian(rc16.Data));
    }

    [Fact]
    public void Read_capacity_10_of_exactly_two_to_the_32_blocks_reports_ffffffff()
    {
        using var t = new TestUnit(new NullBackstore("edge", (1L << 32) * 512), TestUnit.Options());

        var data = t.In(Cdb.ReadCapacity10(), expected: 8).Data;

        Assert.Equal(uint.MaxValue, BinaryPrimitives.ReadUInt32BigEndian(data));
    }

    [Theory]
    [SenseFormats]
    public void Read_capacity_10_with_an_lba_but_no_pmi_is_an_invalid_field_at_the_lba(bool descriptorSense)
    {
        using var t = TestUnit.Memory(descriptorSense: descriptorSense);

        Expect.InvalidFieldInCdb(t.In(Cdb.ReadCapacity10(lba: 5), expected: 8), descriptorSense, byteOffset: 2);
    }

    [Fact]
    public void Read_capacity_10_with_an_lba_and_pmi_returns_the_capacity()
    {
        using var t = TestUnit.Memory(blocks: 2048);

        var result = t.In(Cdb.ReadCapacity10(lba: 5, pmi: true), expected: 8);

        Expect.Good(result);
        Assert.Equal(2047u, BinaryPrimitives.ReadUInt32BigEndian(result.Data));
    }

    [Theory]
    [SenseFormats]
    public void Read_capacity_16_with_an_lba_but_no_pmi_is_an_invalid_field_at_the_lba(bool descriptorSense)
    {
        using var t = TestUnit.Memory(descriptorSense: descriptorSense);

        Expect.InvalidFieldInCdb(t.In(Cdb.ReadCapacity16(lba: 5), expected: 32), descriptorSense, byteOffset: 2);
    }

    [Fact]
    public void Read_capacity_16_with_an_lba_and_pmi_returns_the_capacity()
    {
        using var t = TestUnit.Memory(blocks: 2048);

        var result = t.In(Cdb.ReadCapacity16(lba: 5, pmi: true), expected: 32);

        Expect.Good(result);
        Assert.Equal(2047ul, BinaryPrimitives.ReadUInt64BigEndian(result.Data));
    }

    [Fact]
    public void Read_capacity_16_is_truncated_to_the_allocation_length()
    {
        using var t = TestUnit.Memory(blocks: 2048);

        var result = t.In(Cdb.ReadCapacity16(allocation: 12), expected: 12);

        Expect.Good(result);
        Assert.Equal([0, 0, 0, 0, 0, 0, 0x07, 0xFF, 0, 0, 0x02, 0x00], result.Data);
    }

    [Fact]
    public void Read_capacity_follows_a_capacity_change_after_refresh()
    {
        using var t = TestUnit.Instrumented(blocks: 2048);
        Expect.Good(t.In(Cdb.TestUnitReady()));
        t.Probe.LengthOverride = 1024 * 512;

        Assert.True(t.Unit.RefreshCapacity());

        var result = t.In(Cdb.ReadCapacity10(), expected: 8);
        Assert.Equal(SenseCode.CapacityDataChanged, result.SenseCode);
        Assert.Equal(1023u, BinaryPrimitives.ReadUInt32BigEndian(t.In(Cdb.ReadCapacity10(), expected: 8).Data));
    }
}
