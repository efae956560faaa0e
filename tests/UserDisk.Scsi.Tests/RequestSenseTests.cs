namespace UserDisk.Scsi.Tests;

/// <summary>REQUEST SENSE (SPC-5 6.39): the DESC bit picks the format of the parameter data.</summary>
public sealed class RequestSenseTests
{
    [Fact]
    public void Request_sense_without_a_pending_condition_returns_no_sense_in_fixed_format()
    {
        using var t = TestUnit.Memory();

        var result = t.In(Cdb.RequestSense(descriptor: false));

        Expect.Good(result);
        Assert.Equal([0x70, 0, 0, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], result.Data);
    }

    [Fact]
    public void Request_sense_with_desc_returns_no_sense_in_descriptor_format()
    {
        using var t = TestUnit.Memory();

        var result = t.In(Cdb.RequestSense(descriptor: true));

        Expect.Good(result);
        Assert.Equal([0x72, 0, 0, 0, 0, 0, 0, 0], result.Data);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Desc_bit_chooses_the_format_whatever_d_sense_says(bool dSense)
    {
        using var t = TestUnit.Memory(descriptorSense: dSense);

        Assert.Equal(0x70, t.In(Cdb.RequestSense(descriptor: false)).Data[0]);
        Assert.Equal(0x72, t.In(Cdb.RequestSense(descriptor: true)).Data[0]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Request_sense_returns_a_pending_unit_attention_as_parameter_data_and_clears_it(bool desc)
    {
        using var t = TestUnit.Memory(options: new LogicalUnitOptions());

        var result = t.In(Cdb.RequestSense(descriptor: desc));

        Expect.Good(result);
        var sense = SenseView.Parse(result.Data);
        Assert.Equal(desc, sense.Descriptor);
        Assert.Equal(SenseCode.PowerOnResetOccurred, sense.Code);
        Expect.Good(t.In(Cdb.TestUnitReady()));
        Assert.Equal(SenseCode.NoSense, SenseView.Parse(t.In(Cdb.RequestSense(descriptor: desc)).Data).Code);
    }

    [Fact]
    public void Request_sense_is_truncated_to_the_allocation_length()
    {
        using var t = TestUnit.Memory(options: new LogicalUnitOptions());

        var result = t.In(Cdb.RequestSense(allocation: 14), expected: 14);

        Expect.Good(result);
        Assert.Equal([0x70, 0, 0x06, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x29, 0x00], result.Data);
    }

    [Fact]
    public void Request_sense_with_a_larger_allocation_than_the_sense_is_an_underflow()
    {
        using var t = TestUnit.Memory();

        var result = t.In(Cdb.RequestSense(allocation: 252), expected: 252);

        Assert.Equal(18, result.Data.Length);
        Expect.Residual(result, ResidualKind.Underflow, 252 - 18);
    }
}
