namespace UserDisk.Scsi.Tests;

/// <summary>
/// MODE SELECT (6) and (10) (SPC-5 6.11, 6.12): only WCE (Caching), D_SENSE, SWP and TAS (Control) may change;
/// the whole list is checked before any of it is applied.
/// </summary>
public sealed class ModeSelectTests
{
    private static readonly byte[] Header6 = [0, 0, 0, 0];
    private static readonly byte[] Header10 = [0, 0, 0, 0, 0, 0, 0, 0];

    [Fact]
    public void Mode_select_clears_wce_and_mode_sense_shows_it()
    {
        using var t = TestUnit.Memory();

        Expect.Good(Select6(t, Header6, Caching(wce: false)));

        Assert.False(t.Unit.Mode.WriteCacheEnabled);
        Assert.Equal(0x00, t.In(Cdb.ModeSense6(0x08, dbd: true)).Data[4 + 2]);
    }

    [Fact]
    public void With_wce_cleared_by_mode_select_every_write_is_forced_to_the_medium()
    {
        using var t = TestUnit.Instrumented();
        Expect.Good(Select6(t, Header6, Caching(wce: false)));

        Expect.Good(t.Out(Cdb.Write10(0, 1), Blocks.Zeros(1)));
        Expect.Good(t.Out(Cdb.Rw6(OperationCode.Write6, 1, 1), Blocks.Zeros(1)));

        var writes = t.Probe.CallsOf(BackstoreOperation.Write);
        Assert.Equal(2, writes.Count);
        Assert.All(writes, w => Assert.True(w.ForceUnitAccess));
    }

    [Fact]
    public void Setting_wce_again_stops_forcing_writes()
    {
        using var t = TestUnit.Instrumented(options: new LogicalUnitOptions { PowerOnUnitAttention = false, WriteCacheEnabled = false });
        Expect.Good(Select6(t, Header6, Caching(wce: true)));

        Expect.Good(t.Out(Cdb.Write10(0, 1), Blocks.Zeros(1)));

        Assert.False(Assert.Single(t.Probe.CallsOf(BackstoreOperation.Write)).ForceUnitAccess);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Changing_d_sense_switches_the_format_of_later_sense_data(bool initiallyDescriptor)
    {
        using var t = TestUnit.Memory(descriptorSense: initiallyDescriptor);
        Expect.InvalidFieldInCdb(t.In(Cdb.Inquiry(evpd: true, page: 0x01)), initiallyDescriptor, byteOffset: 2);

        Expect.Good(Select6(t, Header6, Control(dsense: !initiallyDescriptor)));

        Assert.Equal(!initiallyDescriptor, t.Unit.Mode.DescriptorSense);
        Expect.InvalidFieldInCdb(t.In(Cdb.Inquiry(evpd: true, page: 0x01)), !initiallyDescriptor, byteOffset: 2);
    }

    [Fact]
    public void Mode_select_10_sets_d_sense()
    {
        using var t = TestUnit.Memory();

        Expect.Good(Select10(t, Header10, Control(dsense: true)));

        Assert.True(t.Unit.Mode.DescriptorSense);
        Assert.Equal(0x06, t.In(Cdb.ModeSense10(0x0A, dbd: true)).Data[8 + 2]);
    }

    [Theory]
    [SenseFormats]
    public void Software_write_protect_makes_writes_data_protect_and_sets_wp(bool descriptorSense)
    {
        using var t = TestUnit.Memory(descriptorSense: descriptorSense);
        t.WriteBlocks(0, Blocks.Filled(1, 0x11));

        Expect.Good(Select6(t, Header6, Control(dsense: descriptorSense, swp: true)));

        Expect.PlainCheckCondition(t.Out(Cdb.Write10(0, 1), Blocks.Filled(1, 0x22)), SenseCode.WriteProtected, descriptorSense);
        Assert.Equal(Blocks.Filled(1, 0x11), t.ReadBlocks(0, 1));
        Assert.Equal(0x90, t.In(Cdb.ModeSense6(0x0A)).Data[2]);
        Assert.Equal(0x08, t.In(Cdb.ModeSense6(0x0A, dbd: true)).Data[4 + 4]);
    }

    [Fact]
    public void Clearing_software_write_protect_allows_writes_again()
    {
        using var t = TestUnit.Memory();
        Expect.Good(Select6(t, Header6, Control(swp: true)));

        Expect.Good(Select6(t, Header6, Control(swp: false)));

        Expect.Good(t.Out(Cdb.Write10(0, 1), Blocks.Filled(1, 0x22)));
        Assert.Equal(0x10, t.In(Cdb.ModeSense6(0x0A)).Data[2]);
    }

    [Fact]
    public void Mode_select_sets_tas()
    {
        using var t = TestUnit.Memory();

        Expect.Good(Select6(t, Header6, Control(tas: true)));

        Assert.True(t.Unit.Mode.TaskAbortedStatus);
        Assert.Equal(0x40, t.In(Cdb.ModeSense6(0x0A, dbd: true)).Data[4 + 5]);
    }

    [Fact]
    public void Both_pages_in_one_list_are_applied()
    {
        using var t = TestUnit.Memory();

        Expect.Good(Select6(t, Header6, Caching(wce: false), Control(dsense: true, tas: true)));

        Assert.False(t.Unit.Mode.WriteCacheEnabled);
        Assert.True(t.Unit.Mode.DescriptorSense);
        Assert.True(t.Unit.Mode.TaskAbortedStatus);
    }

    [Fact]
    public void Pages_read_from_mode_sense_current_values_are_accepted_back_unchanged()
    {
        using var t = TestUnit.Memory();
        var sensed = t.In(Cdb.ModeSense6(0x3F, dbd: true)).Data;
        sensed[0] = 0;      // MODE DATA LENGTH is reserved in MODE SELECT
        sensed[2] = 0;      // so is DPOFUA

        Expect.Good(t.Out(Cdb.ModeSelect6((byte)sensed.Length), sensed));
    }

    [Theory]
    [SenseFormats(new byte[] { 0x08, 0x12, 0x05, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, 2, 0)]       // Caching RCD
    [SenseFormats(new byte[] { 0x08, 0x12, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0, 0, 0, 0, 0, 0, 0 }, 12, 7)]   // Caching FSW
    [SenseFormats(new byte[] { 0x0A, 0x0A, 0x02, 0x00, 0, 0, 0, 0, 0, 0, 0, 0 }, 3, 4)]                            // Control QAM
    [SenseFormats(new byte[] { 0x0A, 0x0A, 0x00, 0x10, 0, 0, 0, 0, 0, 0, 0, 0 }, 2, 1)]                            // Control GLTSD
    [SenseFormats(new byte[] { 0x0A, 0x0A, 0x02, 0x10, 0, 0, 0, 0, 0, 0, 0x01, 0 }, 10, 0)]                        // Control busy timeout
    [SenseFormats(new byte[] { 0x1C, 0x0A, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, 2, 3)]                               // IE DEXCPT
    public void Changing_a_bit_that_is_not_changeable_is_an_invalid_field_in_the_parameter_list_pointing_at_it(byte[] page, int byteInPage, int bit, bool descriptorSense)
    {
        using var t = TestUnit.Memory(descriptorSense: descriptorSense);

        Expect.InvalidFieldInParameterList(Select6(t, Header6, page), descriptorSense, 4 + byteInPage, bit);
        Assert.True(t.Unit.Mode.WriteCacheEnabled);
    }

    [Theory]
    [SenseFormats]
    public void Nothing_is_applied_when_a_later_page_is_invalid(bool descriptorSense)
    {
        using var t = TestUnit.Memory(descriptorSense: descriptorSense);
        byte[] badControl = [0x0A, 0x0A, 0x06, 0x00, 0x08, 0, 0, 0, 0, 0, 0, 0];

        Expect.InvalidFieldInParameterList(Select6(t, Header6, Caching(wce: false), badControl), descriptorSense, 4 + 20 + 3, 4);

        Assert.True(t.Unit.Mode.WriteCacheEnabled);
        Assert.Equal(descriptorSense, t.Unit.Mode.DescriptorSense);
        Assert.False(t.Unit.Mode.SoftwareWriteProtect);
    }

    [Theory]
    [SenseFormats]
    public void Pf_zero_is_an_invalid_field_at_byte_1_bit_4(bool descriptorSense)
    {
        using var t = TestUnit.Memory(descriptorSense: descriptorSense);
        byte[] list = [.. Header6, .. Caching(wce: false)];

        Expect.InvalidFieldInCdb(t.Out(Cdb.ModeSelect6((byte)list.Length, pf: false), list), descriptorSense, byteOffset: 1, bit: 4);
        Expect.InvalidFieldInCdb(t.Out(Cdb.ModeSelect10((ushort)list.Length, pf: false), list), descriptorSense, byteOffset: 1, bit: 4);
        Assert.True(t.Unit.Mode.WriteCacheEnabled);
    }

    [Theory]
    [SenseFormats]
    public void Sp_one_is_an_invalid_field_at_byte_1_bit_0(bool descriptorSense)
    {
        using var t = TestUnit.Memory(descriptorSense: descriptorSense);
        byte[] list = [.. Header6, .. Caching(wce: false)];

        Expect.InvalidFieldInCdb(t.Out(Cdb.ModeSelect6((byte)list.Length, sp: true), list), descriptorSense, byteOffset: 1, bit: 0);
        Assert.True(t.Unit.Mode.WriteCacheEnabled);
    }

    [Theory]
    [SenseFormats]
    public void Wrong_page_length_is_an_invalid_field_at_the_page_length(bool descriptorSense)
    {
        using var t = TestUnit.Memory(descriptorSense: descriptorSense);
        byte[] page = [0x08, 0x11, 0x00, .. new byte[17]];

        Expect.InvalidFieldInParameterList(Select6(t, Header6, page), descriptorSense, 4 + 1);
    }

    [Theory]
    [SenseFormats((byte)0x19, 5)]
    [SenseFormats((byte)0x88, 7)]
    [SenseFormats((byte)0x48, 6)]
    public void Unknown_page_ps_or_spf_is_an_invalid_field_at_the_page_code(byte pageByte, int bit, bool descriptorSense)
    {
        using var t = TestUnit.Memory(descriptorSense: descriptorSense);
        byte[] page = [pageByte, 0x12, .. new byte[18]];

        Expect.InvalidFieldInParameterList(Select6(t, Header6, page), descriptorSense, 4, bit);
    }

    [Theory]
    [SenseFormats]
    public void Medium_type_other_than_zero_is_an_invalid_field_at_byte_1(bool descriptorSense)
    {
        using var t = TestUnit.Memory(descriptorSense: descriptorSense);

        Expect.InvalidFieldInParameterList(Select6(t, [0, 0x01, 0, 0], Caching(wce: false)), descriptorSense, 1);
    }

    [Fact]
    public void Block_descriptor_with_the_unit_block_length_or_zero_is_accepted()
    {
        using var t = TestUnit.Memory();

        Expect.Good(Select6(t, [0, 0, 0, 8], ShortBlockDescriptor(512), Caching(wce: false)));
        Expect.Good(Select6(t, [0, 0, 0, 8], ShortBlockDescriptor(0)));

        Assert.False(t.Unit.Mode.WriteCacheEnabled);
    }

    [Theory]
    [SenseFormats]
    public void Block_descriptor_with_another_block_length_is_an_invalid_field_at_the_block_length(bool descriptorSense)
    {
        using var t = TestUnit.Memory(descriptorSense: descriptorSense);

        Expect.InvalidFieldInParameterList(Select6(t, [0, 0, 0, 8], ShortBlockDescriptor(4096), Caching(wce: false)), descriptorSense, 4 + 5);
        Assert.True(t.Unit.Mode.WriteCacheEnabled);
    }

    [Theory]
    [SenseFormats]
    public void Long_lba_block_descriptor_with_another_block_length_is_an_invalid_field_at_the_block_length(bool descriptorSense)
    {
        using var t = TestUnit.Memory(descriptorSense: descriptorSense);
        byte[] descriptor = [0, 0, 0, 0, 0, 0, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0x00, 0x10, 0x00];

        Expect.InvalidFieldInParameterList(Select10(t, [0, 0, 0, 0, 0x01, 0, 0, 16], descriptor), descriptorSense, 8 + 12);
    }

    [Fact]
    public void Long_lba_block_descriptor_with_the_unit_block_length_is_accepted()
    {
        using var t = TestUnit.Memory();
        byte[] descriptor = [0, 0, 0, 0, 0, 0, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0x00, 0x02, 0x00];

        Expect.Good(Select10(t, [0, 0, 0, 0, 0x01, 0, 0, 16], descriptor, Caching(wce: false)));

        Assert.False(t.Unit.Mode.WriteCacheEnabled);
    }

    [Theory]
    [SenseFormats]
    public void Block_descriptor_length_other_than_0_or_8_is_an_invalid_field_at_that_length(bool descriptorSense)
    {
        using var t = TestUnit.Memory(descriptorSense: descriptorSense);

        Expect.InvalidFieldInParameterList(Select6(t, [0, 0, 0, 7], new byte[7]), descriptorSense, 3);
        Expect.InvalidFieldInParameterList(Select10(t, [0, 0, 0, 0, 0, 0, 0, 16], new byte[16]), descriptorSense, 6);
    }

    [Theory]
    [SenseFormats(3)]
    [SenseFormats(4 + 6)]
    [SenseFormats(4 + 10)]
    [SenseFormats(4 + 20 + 1)]
    public void List_that_ends_inside_a_header_descriptor_or_page_is_a_parameter_list_length_error(int length, bool descriptorSense)
    {
        using var t = TestUnit.Memory(descriptorSense: descriptorSense);
        byte[] full = [0, 0, 0, 0, .. Caching(wce: false), .. Control(swp: true)];
        byte[] withDescriptor = [0, 0, 0, 8, .. ShortBlockDescriptor(512), .. Caching(wce: false)];
        var list = length == 4 + 6 ? withDescriptor[..length] : full[..length];

        Expect.PlainCheckCondition(t.Out(Cdb.ModeSelect6((byte)length), list), SenseCode.ParameterListLengthError, descriptorSense);
        Assert.True(t.Unit.Mode.WriteCacheEnabled);
    }

    [Fact]
    public void Zero_parameter_list_length_is_good_and_changes_nothing()
    {
        using var t = TestUnit.Memory();

        Expect.Good(t.Out(Cdb.ModeSelect6(0), []));

        Assert.True(t.Unit.Mode.WriteCacheEnabled);
    }

    [Fact]
    public void Header_without_pages_is_good()
    {
        using var t = TestUnit.Memory();

        Expect.Good(Select6(t, Header6));
        Expect.Good(Select10(t, Header10));
    }

    [Theory]
    [SenseFormats]
    public void A_change_raises_mode_parameters_changed_on_other_nexuses_but_not_on_the_one_that_made_it(bool descriptorSense)
    {
        using var t = TestUnit.Memory(descriptorSense: descriptorSense);
        var other = TestUnit.NewNexus();
        Expect.Good(t.In(Cdb.TestUnitReady(), nexus: other));

        Expect.Good(Select6(t, Header6, Caching(wce: false)));

        Expect.Good(t.In(Cdb.TestUnitReady()));
        Expect.PlainCheckCondition(t.In(Cdb.TestUnitReady(), nexus: other), SenseCode.ModeParametersChanged, descriptorSense);
        Expect.Good(t.In(Cdb.TestUnitReady(), nexus: other));
    }

    [Fact]
    public void Selecting_the_current_values_raises_no_unit_attention()
    {
        using var t = TestUnit.Memory();
        var other = TestUnit.NewNexus();
        Expect.Good(t.In(Cdb.TestUnitReady(), nexus: other));

        Expect.Good(Select6(t, Header6, Caching(wce: true), Control()));

        Assert.Equal(UnitAttention.None, t.Unit.PendingUnitAttentions(other));
    }

    private static byte[] Caching(bool wce) => [0x08, 0x12, (byte)(wce ? 0x04 : 0x00), .. new byte[17]];

    private static byte[] Control(bool dsense = false, bool swp = false, bool tas = false) =>
        [0x0A, 0x0A, (byte)(0x02 | (dsense ? 0x04 : 0)), 0x10, (byte)(swp ? 0x08 : 0), (byte)(tas ? 0x40 : 0), 0, 0, 0, 0, 0, 0];

    private static byte[] ShortBlockDescriptor(uint blockLength) =>
        [0, 0, 0, 0, 0, (byte)(blockLength >> 16), (byte)(blockLength >> 8), (byte)blockLength];

    private static TestUnit.Result Select6(TestUnit t, params byte[][] parts)
    {
        byte[] list = [.. parts.SelectMany(p => p)];
        return t.Out(Cdb.ModeSelect6((byte)list.Length), list);
    }

    private static TestUnit.Result Select10(TestUnit t, params byte[][] parts)
    {
        byte[] list = [.. parts.SelectMany(p => p)];
        return t.Out(Cdb.ModeSelect10((ushort)list.Length), list);
    }
}
