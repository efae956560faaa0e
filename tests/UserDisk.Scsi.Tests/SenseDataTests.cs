namespace UserDisk.Scsi.Tests;

/// <summary>Sense data in both formats of SPC-5 4.4: fixed (70h) and descriptor (72h), byte for byte.</summary>
public sealed class SenseDataTests
{
    [Fact]
    public void Fixed_format_with_a_cdb_bit_pointer()
    {
        var buffer = Filled(0xFF);

        var length = SenseData.Write(buffer, descriptorFormat: false, SenseCode.InvalidFieldInCdb, pointer: FieldPointer.Cdb(2, 5));

        Assert.Equal(18, length);
        Assert.Equal([0x70, 0, 0x05, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x24, 0x00, 0, 0xCD, 0x00, 0x02], buffer[..length]);
    }

    [Fact]
    public void Fixed_format_with_a_parameter_list_byte_pointer()
    {
        var buffer = Filled(0xFF);

        var length = SenseData.Write(buffer, descriptorFormat: false, SenseCode.InvalidFieldInParameterList, pointer: FieldPointer.Parameter(0x123));

        Assert.Equal([0x70, 0, 0x05, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x26, 0x00, 0, 0x80, 0x01, 0x23], buffer[..length]);
    }

    [Fact]
    public void Fixed_format_with_information_sets_valid()
    {
        var buffer = Filled(0xFF);

        var length = SenseData.Write(buffer, descriptorFormat: false, SenseCode.MiscompareDuringVerify, information: 0x01020304);

        Assert.Equal([0xF0, 0, 0x0E, 0x01, 0x02, 0x03, 0x04, 10, 0, 0, 0, 0, 0x1D, 0x00, 0, 0, 0, 0], buffer[..length]);
    }

    [Fact]
    public void Fixed_format_without_extras_is_just_key_asc_and_ascq()
    {
        var buffer = Filled(0xFF);

        var length = SenseData.Write(buffer, descriptorFormat: false, SenseCode.CapacityDataChanged);

        Assert.Equal([0x70, 0, 0x06, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x2A, 0x09, 0, 0, 0, 0], buffer[..length]);
    }

    [Fact]
    public void Descriptor_format_without_extras_is_the_eight_byte_header()
    {
        var buffer = Filled(0xFF);

        var length = SenseData.Write(buffer, descriptorFormat: true, SenseCode.SpaceAllocationFailedWriteProtect);

        Assert.Equal([0x72, 0x07, 0x27, 0x07, 0, 0, 0, 0], buffer[..length]);
    }

    [Fact]
    public void Descriptor_format_with_a_bit_pointer_has_a_sense_key_specific_descriptor()
    {
        var buffer = Filled(0xFF);

        var length = SenseData.Write(buffer, descriptorFormat: true, SenseCode.InvalidFieldInCdb, pointer: FieldPointer.Cdb(1, 7));

        Assert.Equal([0x72, 0x05, 0x24, 0x00, 0, 0, 0, 8, 0x02, 0x06, 0, 0, 0xCF, 0x00, 0x01, 0], buffer[..length]);
    }

    [Fact]
    public void Descriptor_format_with_information_has_an_eight_byte_information_descriptor()
    {
        var buffer = Filled(0xFF);

        var length = SenseData.Write(buffer, descriptorFormat: true, SenseCode.MiscompareDuringVerify, information: 0x1_0000_0001);

        Assert.Equal([0x72, 0x0E, 0x1D, 0x00, 0, 0, 0, 12, 0x00, 0x0A, 0x80, 0, 0, 0, 0, 0x01, 0, 0, 0, 0x01], buffer[..length]);
    }

    [Fact]
    public void Descriptor_format_with_information_and_pointer_has_both_descriptors()
    {
        var buffer = Filled(0xFF);

        var length = SenseData.Write(buffer, descriptorFormat: true, SenseCode.InvalidFieldInCdb, information: 7, pointer: FieldPointer.Cdb(9));

        Assert.Equal(SenseData.MaxLength, length);
        Assert.Equal(
            [0x72, 0x05, 0x24, 0x00, 0, 0, 0, 20, 0x00, 0x0A, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 7, 0x02, 0x06, 0, 0, 0xC0, 0x00, 0x09, 0],
            buffer[..length]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Parse_reads_back_what_write_wrote(bool descriptorFormat)
    {
        var buffer = new byte[SenseData.MaxLength];

        var length = SenseData.Write(buffer, descriptorFormat, SenseCode.MediumRemovalPrevented, information: 5, pointer: FieldPointer.Cdb(4));

        Assert.Equal(SenseCode.MediumRemovalPrevented, SenseData.Parse(buffer.AsSpan(0, length)));
    }

    [Theory]
    [InlineData(new byte[] { })]
    [InlineData(new byte[] { 0x70, 0, 5, 0, 0, 0, 0 })]
    [InlineData(new byte[] { 0x70, 0, 5, 0, 0, 0, 0, 10, 0, 0 })]
    [InlineData(new byte[] { 0x7F, 0, 5, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x24, 0 })]
    public void Parse_of_something_that_is_not_sense_data_is_no_sense(byte[] sense)
    {
        Assert.Equal(SenseCode.NoSense, SenseData.Parse(sense));
    }

    [Theory]
    [InlineData(new byte[] { 0x71, 0, 3, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x11, 0 })]
    [InlineData(new byte[] { 0x73, 3, 0x11, 0, 0, 0, 0, 0 })]
    public void Parse_reads_deferred_errors_in_either_format(byte[] sense)
    {
        Assert.Equal(SenseCode.UnrecoveredReadError, SenseData.Parse(sense));
    }

    [Fact]
    public void Sense_code_prints_key_asc_and_ascq()
    {
        Assert.Equal("IllegalRequest 24/00", SenseCode.InvalidFieldInCdb.ToString());
    }

    private static byte[] Filled(byte value)
    {
        var buffer = new byte[ScsiCommand.MaxSenseLength];
        buffer.AsSpan().Fill(value);
        return buffer;
    }
}
