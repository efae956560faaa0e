namespace UserDisk.Scsi.Tests;

/// <summary>
/// START STOP UNIT (SBC-4 5.25) and PREVENT ALLOW MEDIUM REMOVAL (SBC-4 5.8): prevention is held per I_T nexus and
/// refuses a medium eject from any of them.
/// </summary>
public sealed class StartStopPreventTests
{
    private const byte Start = 0x01;
    private const byte Eject = 0x02;    // LOEJ=1, START=0
    private const byte NoFlush = 0x04;

    [Theory]
    [InlineData(Start)]
    [InlineData(0x00)]
    [InlineData(Start | Eject)]
    [InlineData(0x10)]  // ACTIVE
    [InlineData(0x20)]  // IDLE
    [InlineData(0x30)]  // STANDBY
    [InlineData(0x70)]  // LU_CONTROL
    [InlineData(0xA0)]  // FORCE_IDLE_0
    [InlineData(0xB0)]  // FORCE_STANDBY_0
    public void Start_stop_unit_with_a_valid_power_condition_is_good(byte byte4)
    {
        using var t = TestUnit.Memory();

        Expect.Good(t.In(Cdb.StartStopUnit(byte4), expected: 0));
        Expect.Good(t.In(Cdb.StartStopUnit(byte4, immediate: true), expected: 0));
    }

    [Theory]
    [SenseFormats((byte)0x40)]
    [SenseFormats((byte)0x50)]
    [SenseFormats((byte)0x60)]
    [SenseFormats((byte)0x80)]
    [SenseFormats((byte)0xC0)]
    [SenseFormats((byte)0xF0)]
    public void Reserved_power_condition_is_an_invalid_field_at_byte_4_bit_7(byte byte4, bool descriptorSense)
    {
        using var t = TestUnit.Memory(descriptorSense: descriptorSense);

        Expect.InvalidFieldInCdb(t.In(Cdb.StartStopUnit(byte4), expected: 0), descriptorSense, byteOffset: 4, bit: 7);
    }

    [Theory]
    [SenseFormats]
    public void Eject_while_removal_is_prevented_is_medium_removal_prevented(bool descriptorSense)
    {
        using var t = TestUnit.Memory(descriptorSense: descriptorSense);
        Expect.Good(t.In(Cdb.PreventAllowMediumRemoval(1), expected: 0));

        Expect.PlainCheckCondition(t.In(Cdb.StartStopUnit(Eject), expected: 0), SenseCode.MediumRemovalPrevented, descriptorSense);
    }

    [Fact]
    public void Eject_is_allowed_again_after_allow()
    {
        using var t = TestUnit.Memory();
        Expect.Good(t.In(Cdb.PreventAllowMediumRemoval(1), expected: 0));

        Expect.Good(t.In(Cdb.PreventAllowMediumRemoval(0), expected: 0));

        Expect.Good(t.In(Cdb.StartStopUnit(Eject), expected: 0));
    }

    [Fact]
    public void Prevention_by_one_nexus_refuses_an_eject_from_another_until_that_nexus_allows()
    {
        using var t = TestUnit.Memory();
        var other = TestUnit.NewNexus();
        Expect.Good(t.In(Cdb.PreventAllowMediumRemoval(1), expected: 0));

        Assert.Equal(SenseCode.MediumRemovalPrevented, t.In(Cdb.StartStopUnit(Eject), expected: 0, nexus: other).SenseCode);
        Expect.Good(t.In(Cdb.PreventAllowMediumRemoval(0), expected: 0, nexus: other));
        Assert.Equal(SenseCode.MediumRemovalPrevented, t.In(Cdb.StartStopUnit(Eject), expected: 0, nexus: other).SenseCode);
        Expect.Good(t.In(Cdb.PreventAllowMediumRemoval(0), expected: 0));
        Expect.Good(t.In(Cdb.StartStopUnit(Eject), expected: 0, nexus: other));
    }

    [Theory]
    [InlineData(Start)]
    [InlineData(0x00)]
    [InlineData(Eject | 0x10)]  // LOEJ is ignored with a power condition other than START_VALID
    public void Start_or_stop_without_eject_is_good_while_prevented(byte byte4)
    {
        using var t = TestUnit.Memory();
        Expect.Good(t.In(Cdb.PreventAllowMediumRemoval(1), expected: 0));

        Expect.Good(t.In(Cdb.StartStopUnit(byte4), expected: 0));
    }

    [Fact]
    public void Logical_unit_reset_clears_prevention()
    {
        using var t = TestUnit.Memory();
        Expect.Good(t.In(Cdb.PreventAllowMediumRemoval(1), expected: 0));

        t.Unit.Reset();
        Assert.Equal(SenseCode.BusDeviceResetFunctionOccurred, t.In(Cdb.TestUnitReady()).SenseCode);

        Expect.Good(t.In(Cdb.StartStopUnit(Eject), expected: 0));
    }

    [Fact]
    public void Removing_the_nexus_drops_its_prevention()
    {
        using var t = TestUnit.Memory();
        var other = TestUnit.NewNexus();
        Expect.Good(t.In(Cdb.PreventAllowMediumRemoval(1), expected: 0, nexus: other));

        t.Unit.RemoveNexus(other);

        Expect.Good(t.In(Cdb.StartStopUnit(Eject), expected: 0));
    }

    [Theory]
    [SenseFormats((byte)0x02)]
    [SenseFormats((byte)0x03)]
    public void Obsolete_prevent_values_are_an_invalid_field_at_byte_4_bit_1(byte prevent, bool descriptorSense)
    {
        using var t = TestUnit.Memory(descriptorSense: descriptorSense);

        Expect.InvalidFieldInCdb(t.In(Cdb.PreventAllowMediumRemoval(prevent), expected: 0), descriptorSense, byteOffset: 4, bit: 1);
        Expect.Good(t.In(Cdb.StartStopUnit(Eject), expected: 0));
    }

    [Fact]
    public void Stop_without_no_flush_flushes_the_cache()
    {
        using var t = TestUnit.Instrumented();

        Expect.Good(t.In(Cdb.StartStopUnit(0x00), expected: 0));

        Assert.Equal([new BackstoreCall(BackstoreOperation.Flush, 0, 0)], t.Probe.Calls);
    }

    [Fact]
    public void Stop_with_no_flush_does_not_flush()
    {
        using var t = TestUnit.Instrumented();

        Expect.Good(t.In(Cdb.StartStopUnit(NoFlush), expected: 0));

        Assert.Empty(t.Probe.Calls);
    }
}
