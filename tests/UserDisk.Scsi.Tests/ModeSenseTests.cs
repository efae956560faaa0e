using UserDisk.Storage;

namespace UserDisk.Scsi.Tests;

/// <summary>MODE SENSE (6) and (10) (SPC-5 6.13, 6.14) with the Caching, Control and Informational Exceptions pages.</summary>
public sealed class ModeSenseTests
{
    private static readonly byte[] CachingCurrent = [0x08, 0x12, 0x04, .. new byte[17]];
    private static readonly byte[] ControlCurrent = [0x0A, 0x0A, 0x02, 0x10, 0x00, 0x00, 0, 0, 0, 0, 0, 0];
    private static readonly byte[] InformationalExceptionsCurrent = [0x1C, 0x0A, 0x08, .. new byte[9]];

    [Fact]
    public void Mode_sense_6_of_the_caching_page_has_header_block_descriptor_and_page()
    {
        using var t = TestUnit.Memory(blocks: 2048);

        var result = t.In(Cdb.ModeSense6(0x08));

        Expect.Good(result);
        byte[] expected =
        [
            31, 0x00, 0x10, 8,                              // MODE DATA LENGTH, medium type, DPOFUA, BLOCK DESCRIPTOR LENGTH
            0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x02, 0x00, // 2048 blocks of 512 bytes
            .. CachingCurrent,
        ];
        Assert.Equal(expected, result.Data);
    }

    [Fact]
    public void Mode_sense_10_of_the_control_page_has_an_eight_byte_header()
    {
        using var t = TestUnit.Memory(blocks: 2048);

        var result = t.In(Cdb.ModeSense10(0x0A));

        byte[] expected =
        [
            0, 6 + 8 + 12, 0x00, 0x10, 0x00, 0x00, 0, 8,
            0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x02, 0x00,
            .. ControlCurrent,
        ];
        Assert.Equal(expected, result.Data);
    }

    [Fact]
    public void Mode_sense_of_the_informational_exceptions_page_shows_reporting_disabled()
    {
        using var t = TestUnit.Memory();

        var data = t.In(Cdb.ModeSense6(0x1C, dbd: true)).Data;

        Assert.Equal([15, 0x00, 0x10, 0, .. InformationalExceptionsCurrent], data);
    }

    [Fact]
    public void All_pages_returns_caching_control_and_informational_exceptions_in_order()
    {
        using var t = TestUnit.Memory();

        var data = t.In(Cdb.ModeSense6(0x3F, dbd: true)).Data;

        Assert.Equal([3 + 20 + 12 + 12, 0x00, 0x10, 0, .. CachingCurrent, .. ControlCurrent, .. InformationalExceptionsCurrent], data);
    }

    [Fact]
    public void All_pages_and_subpages_returns_the_same_pages()
    {
        using var t = TestUnit.Memory();

        var all = t.In(Cdb.ModeSense6(0x3F, dbd: true)).Data;
        var withSubpages = t.In(Cdb.ModeSense6(0x3F, dbd: true, subpage: 0xFF)).Data;

        Assert.Equal(all, withSubpages);
    }

    [Fact]
    public void Dbd_leaves_out_the_block_descriptor()
    {
        using var t = TestUnit.Memory();

        var data = t.In(Cdb.ModeSense10(0x08, dbd: true)).Data;

        Assert.Equal([0, 6 + 20, 0x00, 0x10, 0x00, 0x00, 0, 0, .. CachingCurrent], data);
    }

    [Fact]
    public void Llbaa_returns_a_sixteen_byte_long_lba_block_descriptor()
    {
        using var t = TestUnit.Memory(blocks: 2048);

        var data = t.In(Cdb.ModeSense10(0x08, llbaa: true)).Data;

        byte[] expected =
        [
            0, 6 + 16 + 20, 0x00, 0x10, 0x01, 0x00, 0, 16,    // LONGLBA=1
            0, 0, 0, 0, 0, 0, 0x08, 0x00, 0, 0, 0, 0, 0, 0, 0x02, 0x00,
            .. CachingCurrent,
        ];
        Assert.Equal(expected, data);
    }

    [Fact]
    public void Short_block_descriptor_saturates_the_block_count_beyond_32_bits()
    {
        using var t = new TestUnit(new NullBackstore("huge", (1L << 33) * 512), TestUnit.Options());

        var shortForm = t.In(Cdb.ModeSense6(0x08)).Data;
        var longForm = t.In(Cdb.ModeSense10(0x08, llbaa: true)).Data;

        Assert.Equal([0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x02, 0x00], shortForm[4..12]);
        Assert.Equal([0, 0, 0, 0x02, 0, 0, 0, 0], longForm[8..16]);
    }

    [Fact]
    public void Block_descriptor_of_4096_byte_blocks_carries_that_block_length()
    {
        using var t = TestUnit.Memory(blocks: 100, blockSize: 4096);

        var data = t.In(Cdb.ModeSense6(0x08)).Data;

        Assert.Equal([0, 0, 0, 100, 0x00, 0x00, 0x10, 0x00], data[4..12]);
    }

    [Fact]
    public void Read_only_backstore_sets_wp_in_the_device_specific_parameter()
    {
        using var t = TestUnit.Memory(readOnly: true);

        Assert.Equal(0x90, t.In(Cdb.ModeSense6(0x08)).Data[2]);
        Assert.Equal(0x90, t.In(Cdb.ModeSense10(0x08)).Data[3]);
    }

    [Fact]
    public void Read_only_option_sets_wp_in_the_device_specific_parameter()
    {
        using var t = TestUnit.Memory(options: new LogicalUnitOptions { PowerOnUnitAttention = false, ReadOnly = true });

        Assert.Equal(0x90, t.In(Cdb.ModeSense6(0x08)).Data[2]);
    }

    [Fact]
    public void Changeable_values_mark_wce_d_sense_swp_and_tas_only()
    {
        using var t = TestUnit.Memory();

        var data = t.In(Cdb.ModeSense6(0x3F, pageControl: 1, dbd: true)).Data;

        byte[] expected =
        [
            3 + 20 + 12 + 12, 0x00, 0x10, 0,
            0x08, 0x12, 0x04, .. new byte[17],
            0x0A, 0x0A, 0x04, 0x00, 0x08, 0x40, 0, 0, 0, 0, 0, 0,
            0x1C, 0x0A, .. new byte[10],
        ];
        Assert.Equal(expected, data);
    }

    [Fact]
    public void Default_values_are_the_options_the_unit_started_with_not_the_current_ones()
    {
        var options = new LogicalUnitOptions { PowerOnUnitAttention = false, WriteCacheEnabled = false, DescriptorSense = true };
        using var t = TestUnit.Memory(options: options);
        Expect.Good(t.Out(Cdb.ModeSelect6(4 + 20 + 12), [0, 0, 0, 0, 0x08, 0x12, 0x04, .. new byte[17], 0x0A, 0x0A, 0x02, 0x10, 0x08, 0x40, 0, 0, 0, 0, 0, 0]));

        var defaults = t.In(Cdb.ModeSense6(0x3F, pageControl: 2, dbd: true)).Data;
        var current = t.In(Cdb.ModeSense6(0x3F, pageControl: 0, dbd: true)).Data;

        Assert.Equal(0x00, defaults[4 + 2]);            // WCE=0, as started
        Assert.Equal(0x06, defaults[4 + 20 + 2]);       // D_SENSE=1, as started
        Assert.Equal([0x00, 0x00], defaults[(4 + 20 + 4)..(4 + 20 + 6)]); // SWP, TAS off
        Assert.Equal(0x04, current[4 + 2]);
        Assert.Equal(0x02, current[4 + 20 + 2]);
        Assert.Equal([0x08, 0x40], current[(4 + 20 + 4)..(4 + 20 + 6)]);
    }

    [Theory]
    [SenseFormats]
    public void Saved_values_are_saving_parameters_not_supported(bool descriptorSense)
    {
        using var t = TestUnit.Memory(descriptorSense: descriptorSense);

        var sense = Expect.CheckCondition(t.In(Cdb.ModeSense6(0x08, pageControl: 3)), SenseCode.SavingParametersNotSupported, descriptorSense);

        Expect.FieldPointer(sense, inCdb: true, byteOffset: 2, bit: 7);
    }

    [Theory]
    [SenseFormats((byte)0x01)]
    [SenseFormats((byte)0x19)]
    [SenseFormats((byte)0x00)]
    public void Unsupported_page_is_an_invalid_field_at_the_page_code(byte page, bool descriptorSense)
    {
        using var t = TestUnit.Memory(descriptorSense: descriptorSense);

        Expect.InvalidFieldInCdb(t.In(Cdb.ModeSense6(page)), descriptorSense, byteOffset: 2, bit: 5);
        Expect.InvalidFieldInCdb(t.In(Cdb.ModeSense10(page)), descriptorSense, byteOffset: 2, bit: 5);
    }

    [Theory]
    [SenseFormats((byte)0x08, (byte)0x01)]
    [SenseFormats((byte)0x0A, (byte)0xFF)]
    [SenseFormats((byte)0x3F, (byte)0x01)]
    public void Unsupported_subpage_is_an_invalid_field_at_the_subpage_code(byte page, byte subpage, bool descriptorSense)
    {
        using var t = TestUnit.Memory(descriptorSense: descriptorSense);

        Expect.InvalidFieldInCdb(t.In(Cdb.ModeSense6(page, subpage: subpage)), descriptorSense, byteOffset: 3);
    }

    [Fact]
    public void Mode_sense_6_is_truncated_to_the_allocation_length()
    {
        using var t = TestUnit.Memory();

        var result = t.In(Cdb.ModeSense6(0x08, allocation: 4), expected: 4);

        Expect.Good(result);
        Assert.Equal([31, 0x00, 0x10, 8], result.Data);
    }

    [Fact]
    public void Mode_sense_10_is_truncated_to_the_allocation_length()
    {
        using var t = TestUnit.Memory();

        var result = t.In(Cdb.ModeSense10(0x3F, allocation: 10), expected: 10);

        Expect.Good(result);
        Assert.Equal([0, 6 + 8 + 44, 0x00, 0x10, 0x00, 0x00, 0, 8, 0, 0], result.Data);
    }
}
