namespace UserDisk.Scsi.Tests;

/// <summary>TEST UNIT READY (SPC-5 6.47).</summary>
public sealed class TestUnitReadyTests
{
    [Fact]
    public void Test_unit_ready_on_a_ready_unit_is_good_with_no_data()
    {
        using var t = TestUnit.Memory();

        var result = t.In(Cdb.TestUnitReady(), expected: 0);

        Expect.Good(result);
        Assert.Empty(result.Data);
        Expect.Residual(result, ResidualKind.None, 0);
    }

    [Fact]
    public void Test_unit_ready_counts_as_another_command()
    {
        using var t = TestUnit.Memory();

        t.In(Cdb.TestUnitReady(), expected: 0);

        Assert.Equal(1, t.Unit.Counters.OtherCommands);
        Assert.Equal(0, t.Unit.Counters.ReadCommands);
    }

    [Theory]
    [SenseFormats]
    public void Test_unit_ready_reports_a_pending_unit_attention(bool descriptorSense)
    {
        using var t = TestUnit.Memory(options: new LogicalUnitOptions { DescriptorSense = descriptorSense });

        Expect.PlainCheckCondition(t.In(Cdb.TestUnitReady(), expected: 0), SenseCode.PowerOnResetOccurred, descriptorSense);
        Expect.Good(t.In(Cdb.TestUnitReady(), expected: 0));
    }
}
