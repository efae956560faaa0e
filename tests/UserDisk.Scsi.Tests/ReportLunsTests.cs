using UserDisk.Scsi.Commands;

namespace UserDisk.Scsi.Tests;

/// <summary>REPORT LUNS (SPC-5 6.33) and the SAM-5 LUN encoding (peripheral and flat space addressing).</summary>
public sealed class ReportLunsTests
{
    [Fact]
    public void Without_an_inventory_the_unit_reports_lun_0_only()
    {
        using var t = TestUnit.Memory();

        var result = t.In(Cdb.ReportLuns());

        Expect.Good(result);
        Assert.Equal([0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], result.Data);
    }

    [Fact]
    public void Inventory_luns_are_listed_in_order_in_sam5_encoding()
    {
        using var t = TestUnit.Memory();
        t.Unit.LunInventory = () => [0, 1, 300];

        var data = t.In(Cdb.ReportLuns()).Data;

        byte[] expected =
        [
            0, 0, 0, 24, 0, 0, 0, 0,
            0x00, 0x00, 0, 0, 0, 0, 0, 0,
            0x00, 0x01, 0, 0, 0, 0, 0, 0,
            0x41, 0x2C, 0, 0, 0, 0, 0, 0,   // 300: flat space addressing
        ];
        Assert.Equal(expected, data);
    }

    [Fact]
    public void Select_report_1_lists_no_well_known_luns()
    {
        using var t = TestUnit.Memory();
        t.Unit.LunInventory = () => [0, 1];

        Assert.Equal([0, 0, 0, 0, 0, 0, 0, 0], t.In(Cdb.ReportLuns(select: 0x01)).Data);
    }

    [Theory]
    [InlineData((byte)0x02)]
    [InlineData((byte)0x10)]
    [InlineData((byte)0x11)]
    [InlineData((byte)0x12)]
    public void Other_defined_select_report_values_are_accepted(byte select)
    {
        using var t = TestUnit.Memory();

        Expect.Good(t.In(Cdb.ReportLuns(select: select)));
    }

    [Theory]
    [SenseFormats((byte)0x03)]
    [SenseFormats((byte)0xF8)]
    public void Reserved_select_report_is_an_invalid_field_at_byte_2(byte select, bool descriptorSense)
    {
        using var t = TestUnit.Memory(descriptorSense: descriptorSense);

        Expect.InvalidFieldInCdb(t.In(Cdb.ReportLuns(select: select)), descriptorSense, byteOffset: 2);
    }

    [Theory]
    [SenseFormats(0u)]
    [SenseFormats(15u)]
    public void Allocation_length_under_16_is_an_invalid_field_at_the_allocation_length(uint allocation, bool descriptorSense)
    {
        using var t = TestUnit.Memory(descriptorSense: descriptorSense);

        Expect.InvalidFieldInCdb(t.In(Cdb.ReportLuns(allocation: allocation)), descriptorSense, byteOffset: 6);
    }

    [Fact]
    public void List_is_truncated_to_the_allocation_length_but_its_length_field_is_not()
    {
        using var t = TestUnit.Memory();
        t.Unit.LunInventory = () => [0, 1, 2];

        var result = t.In(Cdb.ReportLuns(allocation: 16), expected: 16);

        Expect.Good(result);
        Assert.Equal([0, 0, 0, 24, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], result.Data);
    }

    [Theory]
    [InlineData(0ul, 0x0000_0000_0000_0000ul)]
    [InlineData(5ul, 0x0005_0000_0000_0000ul)]
    [InlineData(255ul, 0x00FF_0000_0000_0000ul)]
    [InlineData(256ul, 0x4100_0000_0000_0000ul)]
    [InlineData(16383ul, 0x7FFF_0000_0000_0000ul)]
    public void Luns_below_256_use_peripheral_and_up_to_16383_flat_space_addressing(ulong lun, ulong encoded)
    {
        Assert.Equal(encoded, ReportLuns.EncodeLun(lun));
        Assert.Equal(lun, ReportLuns.DecodeLun(encoded));
    }

    [Fact]
    public void Lun_above_16383_cannot_be_encoded()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ReportLuns.EncodeLun(16384));
    }

    [Theory]
    [InlineData(0x8000_0000_0000_0000ul)]  // logical unit addressing
    [InlineData(0xC100_0000_0000_0000ul)]  // extended addressing
    public void Other_addressing_methods_do_not_decode(ulong encoded)
    {
        Assert.Null(ReportLuns.DecodeLun(encoded));
    }
}
