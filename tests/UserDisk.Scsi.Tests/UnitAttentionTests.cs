namespace UserDisk.Scsi.Tests;

/// <summary>
/// Unit attention conditions (SAM-5 5.14): reported per I_T nexus on the next command other than INQUIRY, REPORT
/// LUNS and REQUEST SENSE, one at a time, highest precedence first, each cleared once reported.
/// </summary>
public sealed class UnitAttentionTests
{
    [Theory]
    [SenseFormats]
    public void First_command_from_a_new_nexus_reports_power_on_reset_once(bool descriptorSense)
    {
        using var t = TestUnit.Memory(options: new LogicalUnitOptions { DescriptorSense = descriptorSense });

        Expect.PlainCheckCondition(t.In(Cdb.Read10(0, 1), expected: 512), SenseCode.PowerOnResetOccurred, descriptorSense);
        Expect.Good(t.In(Cdb.Read10(0, 1), expected: 512));
    }

    [Fact]
    public void Each_new_nexus_gets_its_own_power_on_reset()
    {
        using var t = TestUnit.Memory(options: new LogicalUnitOptions());
        var other = TestUnit.NewNexus();
        Assert.Equal(SenseCode.PowerOnResetOccurred, t.In(Cdb.TestUnitReady()).SenseCode);

        Assert.Equal(SenseCode.PowerOnResetOccurred, t.In(Cdb.TestUnitReady(), nexus: other).SenseCode);
        Expect.Good(t.In(Cdb.TestUnitReady()));
    }

    [Fact]
    public void Without_the_option_a_new_nexus_has_no_unit_attention()
    {
        using var t = TestUnit.Memory(options: new LogicalUnitOptions { PowerOnUnitAttention = false });

        Expect.Good(t.In(Cdb.TestUnitReady()));
    }

    [Fact]
    public void Under_a_core_that_owns_unit_attentions_the_engine_reports_none()
    {
        // SCST raises POWER ON, resets, capacity and mode changes itself; the engine must not report them again.
        using var t = TestUnit.Memory(options: new LogicalUnitOptions { UnitAttentionsByEngine = false });

        Expect.Good(t.In(Cdb.TestUnitReady()));
        t.Unit.EstablishUnitAttention(UnitAttention.CapacityDataChanged);
        t.Unit.Reset();

        Assert.Equal(UnitAttention.None, t.Unit.PendingUnitAttentions(t.Nexus));
        Expect.Good(t.In(Cdb.TestUnitReady()));
    }

    [Fact]
    public void Command_refused_for_a_unit_attention_does_not_run()
    {
        using var t = TestUnit.Instrumented(options: new LogicalUnitOptions());

        t.Out(Cdb.Write10(0, 1), Blocks.Filled(1, 0xEE));

        Assert.Empty(t.Probe.Calls);
        Assert.Equal(Blocks.Zeros(1), t.ReadBlocks(0, 1));
    }

    [Fact]
    public void Inquiry_and_report_luns_run_and_neither_report_nor_clear_a_unit_attention()
    {
        using var t = TestUnit.Memory(options: new LogicalUnitOptions());

        Expect.Good(t.In(Cdb.Inquiry()));
        Expect.Good(t.In(Cdb.ReportLuns()));
        Expect.Good(t.In(Cdb.Inquiry(evpd: true, page: 0x83)));

        Assert.Equal(SenseCode.PowerOnResetOccurred, t.In(Cdb.TestUnitReady()).SenseCode);
    }

    [Fact]
    public void Request_sense_returns_the_unit_attention_and_clears_it()
    {
        using var t = TestUnit.Memory(options: new LogicalUnitOptions());

        var sense = SenseView.Parse(t.In(Cdb.RequestSense()).Data);

        Assert.Equal(SenseCode.PowerOnResetOccurred, sense.Code);
        Assert.Equal(UnitAttention.None, t.Unit.PendingUnitAttentions(t.Nexus));
        Expect.Good(t.In(Cdb.TestUnitReady()));
    }

    [Theory]
    [SenseFormats]
    public void Unknown_opcode_reports_the_unit_attention_first(bool descriptorSense)
    {
        using var t = TestUnit.Memory(options: new LogicalUnitOptions { DescriptorSense = descriptorSense });

        Expect.PlainCheckCondition(t.In([0xC0, 0, 0, 0, 0, 0]), SenseCode.PowerOnResetOccurred, descriptorSense);
        Assert.Equal(SenseCode.InvalidCommandOperationCode, t.In([0xC0, 0, 0, 0, 0, 0]).SenseCode);
    }

    [Theory]
    [SenseFormats]
    public void Capacity_data_has_changed_after_a_refresh_that_found_the_backstore_grown(bool descriptorSense)
    {
        using var t = TestUnit.Instrumented(blocks: 2048, descriptorSense: descriptorSense);
        Expect.Good(t.In(Cdb.TestUnitReady()));
        t.Probe.LengthOverride = 1024 * 512;
        Assert.True(t.Unit.RefreshCapacity());
        t.Probe.LengthOverride = null;

        Assert.True(t.Unit.RefreshCapacity());

        Expect.PlainCheckCondition(t.In(Cdb.TestUnitReady()), SenseCode.CapacityDataChanged, descriptorSense);
        Expect.Good(t.In(Cdb.TestUnitReady()));
        Assert.Equal(2048, t.Unit.BlockCount);
        Expect.Good(t.In(Cdb.Read10(2047, 1), expected: 512));
    }

    [Fact]
    public void Refresh_without_a_change_raises_nothing()
    {
        using var t = TestUnit.Memory();
        Expect.Good(t.In(Cdb.TestUnitReady()));

        Assert.False(t.Unit.RefreshCapacity());

        Expect.Good(t.In(Cdb.TestUnitReady()));
    }

    [Fact]
    public void Capacity_change_is_reported_to_every_known_nexus()
    {
        using var t = TestUnit.Instrumented(blocks: 2048);
        var other = TestUnit.NewNexus();
        Expect.Good(t.In(Cdb.TestUnitReady()));
        Expect.Good(t.In(Cdb.TestUnitReady(), nexus: other));
        t.Probe.LengthOverride = 4096 * 512;

        t.Unit.RefreshCapacity();

        Assert.Equal(SenseCode.CapacityDataChanged, t.In(Cdb.TestUnitReady()).SenseCode);
        Assert.Equal(SenseCode.CapacityDataChanged, t.In(Cdb.TestUnitReady(), nexus: other).SenseCode);
    }

    [Theory]
    [SenseFormats]
    public void Logical_unit_reset_reports_bus_device_reset_function_occurred(bool descriptorSense)
    {
        using var t = TestUnit.Memory(descriptorSense: descriptorSense);
        Expect.Good(t.In(Cdb.TestUnitReady()));

        t.Unit.Reset();

        Expect.PlainCheckCondition(t.In(Cdb.TestUnitReady()), SenseCode.BusDeviceResetFunctionOccurred, descriptorSense);
        Expect.Good(t.In(Cdb.TestUnitReady()));
    }

    [Fact]
    public void Power_on_is_reported_before_capacity_changed_and_each_only_once()
    {
        using var t = TestUnit.Instrumented(options: new LogicalUnitOptions());
        Expect.Good(t.In(Cdb.Inquiry()));       // the nexus is known, its POWER ON still pending
        t.Probe.LengthOverride = 4096 * 512;
        t.Unit.RefreshCapacity();

        Assert.Equal(SenseCode.PowerOnResetOccurred, t.In(Cdb.TestUnitReady()).SenseCode);
        Assert.Equal(SenseCode.CapacityDataChanged, t.In(Cdb.TestUnitReady()).SenseCode);
        Expect.Good(t.In(Cdb.TestUnitReady()));
    }

    [Fact]
    public void Reset_is_reported_before_mode_parameters_changed()
    {
        using var t = TestUnit.Memory();
        var other = TestUnit.NewNexus();
        Expect.Good(t.In(Cdb.TestUnitReady(), nexus: other));
        byte[] caching = [0, 0, 0, 0, 0x08, 0x12, 0x00, .. new byte[17]];
        Expect.Good(t.Out(Cdb.ModeSelect6((byte)caching.Length), caching));
        t.Unit.Reset();

        Assert.Equal(SenseCode.BusDeviceResetFunctionOccurred, t.In(Cdb.TestUnitReady(), nexus: other).SenseCode);
        Assert.Equal(SenseCode.ModeParametersChanged, t.In(Cdb.TestUnitReady(), nexus: other).SenseCode);
        Expect.Good(t.In(Cdb.TestUnitReady(), nexus: other));
    }

    [Fact]
    public void Unit_attention_established_for_all_but_one_nexus_skips_that_one()
    {
        using var t = TestUnit.Memory();
        var other = TestUnit.NewNexus();
        Expect.Good(t.In(Cdb.TestUnitReady()));
        Expect.Good(t.In(Cdb.TestUnitReady(), nexus: other));

        t.Unit.EstablishUnitAttention(UnitAttention.InquiryDataChanged, except: t.Nexus);

        Expect.Good(t.In(Cdb.TestUnitReady()));
        Assert.Equal(SenseCode.InquiryDataChanged, t.In(Cdb.TestUnitReady(), nexus: other).SenseCode);
    }

    [Fact]
    public void Report_luns_clears_reported_luns_data_has_changed_but_no_other_condition()
    {
        using var t = TestUnit.Memory();
        Expect.Good(t.In(Cdb.TestUnitReady()));
        t.Unit.EstablishUnitAttention(UnitAttention.ReportedLunsDataChanged | UnitAttention.InquiryDataChanged);

        Expect.Good(t.In(Cdb.ReportLuns()));

        Assert.Equal(UnitAttention.InquiryDataChanged, t.Unit.PendingUnitAttentions(t.Nexus));
    }

    [Fact]
    public void Nexus_that_returns_after_loss_gets_neither_power_on_nor_attentions_raised_while_away()
    {
        using var t = TestUnit.Memory(options: new LogicalUnitOptions());
        Assert.Equal(SenseCode.PowerOnResetOccurred, t.In(Cdb.TestUnitReady()).SenseCode);

        t.Unit.RemoveNexus(t.Nexus);
        t.Unit.Reset();

        Assert.True(t.In(Cdb.TestUnitReady()).Good);
    }

    [Fact]
    public void Nexus_loss_drops_the_attentions_it_had_pending()
    {
        using var t = TestUnit.Memory();
        Assert.True(t.In(Cdb.TestUnitReady()).Good);
        t.Unit.Reset();

        t.Unit.RemoveNexus(t.Nexus);

        Assert.Equal(UnitAttention.None, t.Unit.PendingUnitAttentions(t.Nexus));
        Assert.True(t.In(Cdb.TestUnitReady()).Good);
    }
}
