namespace UserDisk.Scsi.Tests;

/// <summary>
/// UNMAP (SBC-4 5.32): every block descriptor is checked before any range is deallocated. Units are 8 MiB so whole
/// 1 MiB chunks of the memory store (2048 blocks) can be deallocated and seen as such by GET LBA STATUS.
/// </summary>
public sealed class UnmapTests
{
    private const int Chunk = 2048;

    [Fact]
    public void Unmap_deallocates_the_range_of_each_descriptor_and_it_reads_zeros()
    {
        using var t = TestUnit.Memory(blocks: 4 * Chunk);
        t.WriteBlocks(0, Blocks.Filled(4 * Chunk, 0x77));

        Expect.Good(Unmap(t, (0, Chunk), (2 * Chunk, Chunk)));

        Assert.Equal(
            [(0ul, (uint)Chunk, false), ((ulong)Chunk, (uint)Chunk, true), (2ul * Chunk, (uint)Chunk, false), (3ul * Chunk, (uint)Chunk, true)],
            t.LbaStatus(0));
        Assert.Equal(Blocks.Zeros(Chunk), t.ReadBlocks(0, Chunk));
        Assert.Equal(Blocks.Filled(1, 0x77), t.ReadBlocks(Chunk, 1));
    }

    [Fact]
    public void Unmap_passes_each_range_to_the_backstore_in_bytes()
    {
        using var t = TestUnit.Instrumented();

        Expect.Good(Unmap(t, (5, 3), (100, 1)));

        Assert.Equal([new BackstoreCall(BackstoreOperation.Unmap, 5 * 512, 3 * 512), new BackstoreCall(BackstoreOperation.Unmap, 100 * 512, 512)], t.Probe.Calls);
    }

    [Fact]
    public void Part_of_a_chunk_unmapped_reads_zeros_and_the_rest_is_kept()
    {
        using var t = TestUnit.Memory();
        t.WriteBlocks(0, Blocks.Filled(4, 0x77));

        Expect.Good(Unmap(t, (1, 2)));

        Assert.Equal([.. Blocks.Filled(1, 0x77), .. Blocks.Zeros(2), .. Blocks.Filled(1, 0x77)], t.ReadBlocks(0, 4));
    }

    [Fact]
    public void Descriptor_of_zero_blocks_unmaps_nothing_and_is_good()
    {
        using var t = TestUnit.Instrumented();

        Expect.Good(Unmap(t, (5, 0)));

        Assert.Empty(t.Probe.Calls);
    }

    [Fact]
    public void Parameter_list_length_zero_is_good_and_unmaps_nothing()
    {
        using var t = TestUnit.Instrumented();

        Expect.Good(t.Out(Cdb.Unmap(0), []));

        Assert.Empty(t.Probe.Calls);
    }

    [Fact]
    public void Partial_last_descriptor_is_ignored()
    {
        using var t = TestUnit.Instrumented();
        var list = Cdb.UnmapParameters((5, 1), (9, 1));
        list[3] = 16 + 8;   // UNMAP BLOCK DESCRIPTOR DATA LENGTH: one and a half descriptors

        Expect.Good(t.Out(Cdb.Unmap((ushort)list.Length), list));

        Assert.Equal([new BackstoreCall(BackstoreOperation.Unmap, 5 * 512, 512)], t.Probe.Calls);
    }

    [Theory]
    [SenseFormats(1)]
    [SenseFormats(7)]
    public void Parameter_list_shorter_than_its_header_is_a_parameter_list_length_error(int length, bool descriptorSense)
    {
        using var t = TestUnit.Instrumented(descriptorSense: descriptorSense);

        Expect.PlainCheckCondition(t.Out(Cdb.Unmap((ushort)length), new byte[length]), SenseCode.ParameterListLengthError, descriptorSense);
        Assert.Empty(t.Probe.Calls);
    }

    [Theory]
    [SenseFormats]
    public void More_descriptors_than_the_maximum_is_an_invalid_field_at_the_descriptor_data_length(bool descriptorSense)
    {
        var options = new LogicalUnitOptions { PowerOnUnitAttention = false, DescriptorSense = descriptorSense, MaxUnmapDescriptors = 2 };
        using var t = TestUnit.Instrumented(options: options);

        Expect.InvalidFieldInParameterList(Unmap(t, (0, 1), (1, 1), (2, 1)), descriptorSense, 2);
        Assert.Empty(t.Probe.Calls);
    }

    [Theory]
    [SenseFormats]
    public void Descriptor_longer_than_the_maximum_unmap_lba_count_is_an_invalid_field_at_its_count(bool descriptorSense)
    {
        var options = new LogicalUnitOptions { PowerOnUnitAttention = false, DescriptorSense = descriptorSense, MaxUnmapBlocks = 1024 };
        using var t = TestUnit.Instrumented(options: options);

        Expect.InvalidFieldInParameterList(Unmap(t, (0, 1), (100, 1025)), descriptorSense, 8 + 16 + 8);
        Assert.Empty(t.Probe.Calls);
    }

    [Theory]
    [SenseFormats]
    public void Descriptors_totalling_more_than_the_maximum_unmap_lba_count_are_an_invalid_field(bool descriptorSense)
    {
        // SBC-4 UNMAP: "If the total number of logical blocks specified in the UNMAP block descriptor data exceeds
        // the value indicated in the MAXIMUM UNMAP LBA COUNT field ... INVALID FIELD IN PARAMETER LIST."
        var options = new LogicalUnitOptions { PowerOnUnitAttention = false, DescriptorSense = descriptorSense, MaxUnmapBlocks = 1024 };
        using var t = TestUnit.Instrumented(options: options);

        Expect.InvalidFieldInParameterList(Unmap(t, (0, 600), (1000, 425)), descriptorSense, 8 + 16 + 8);
        Assert.Empty(t.Probe.Calls);
    }

    [Fact]
    public void Descriptors_totalling_exactly_the_maximum_unmap_lba_count_are_good()
    {
        using var t = TestUnit.Instrumented(options: new LogicalUnitOptions { PowerOnUnitAttention = false, MaxUnmapBlocks = 1024 });

        Expect.Good(Unmap(t, (0, 600), (1000, 424)));

        Assert.Equal(2, t.Probe.CallsOf(BackstoreOperation.Unmap).Count);
    }

    [Theory]
    [SenseFormats(2048ul, 1u)]
    [SenseFormats(2047ul, 2u)]
    [SenseFormats(ulong.MaxValue, 2u)]
    public void Descriptor_past_the_last_block_is_lba_out_of_range_and_nothing_is_unmapped(ulong lba, uint blocks, bool descriptorSense)
    {
        using var t = TestUnit.Instrumented(blocks: 2048, descriptorSense: descriptorSense);
        t.WriteBlocks(0, Blocks.Filled(2, 0x77));
        t.Probe.ClearCalls();

        Expect.PlainCheckCondition(Unmap(t, (0, 2), (lba, blocks)), SenseCode.LbaOutOfRange, descriptorSense);

        Assert.Empty(t.Probe.CallsOf(BackstoreOperation.Unmap));
        Assert.Equal(Blocks.Filled(2, 0x77), t.ReadBlocks(0, 2));
    }

    [Theory]
    [SenseFormats]
    public void Anchor_is_an_invalid_field_at_byte_1_bit_0(bool descriptorSense)
    {
        using var t = TestUnit.Instrumented(descriptorSense: descriptorSense);
        var list = Cdb.UnmapParameters((0, 1));

        Expect.InvalidFieldInCdb(t.Out(Cdb.Unmap((ushort)list.Length, anchor: true), list), descriptorSense, byteOffset: 1, bit: 0);
        Assert.Empty(t.Probe.Calls);
    }

    [Theory]
    [SenseFormats]
    public void Parameter_list_longer_than_the_data_out_is_refused_with_an_overflow(bool descriptorSense)
    {
        using var t = TestUnit.Instrumented(descriptorSense: descriptorSense);
        var list = Cdb.UnmapParameters((0, 1));

        var result = t.Out(Cdb.Unmap((ushort)(list.Length + 16)), list);

        Expect.PlainCheckCondition(result, SenseCode.InvalidFieldInCommandInformationUnit, descriptorSense);
        Expect.Residual(result, ResidualKind.Overflow, 16);
        Assert.Empty(t.Probe.Calls);
    }

    [Theory]
    [SenseFormats]
    public void Unmap_on_a_fully_provisioned_unit_is_an_invalid_command_operation_code(bool descriptorSense)
    {
        using var t = TestUnit.Instrumented(descriptorSense: descriptorSense);
        t.Probe.SupportsUnmapOverride = false;

        var sense = Expect.CheckCondition(Unmap(t, (0, 1)), SenseCode.InvalidCommandOperationCode, descriptorSense);

        Expect.FieldPointer(sense, inCdb: true, byteOffset: 0);
        Assert.Empty(t.Probe.Calls);
    }

    [Fact]
    public void Report_supported_operation_codes_of_a_fully_provisioned_unit_leaves_unmap_out()
    {
        using var t = TestUnit.Instrumented();
        t.Probe.SupportsUnmapOverride = false;

        var all = t.In(Cdb.ReportSupportedOperationCodes(), expected: 8192).Data;
        var one = t.In(Cdb.ReportSupportedOperationCodes(options: 1, opcode: OperationCode.Unmap)).Data;

        Assert.DoesNotContain(OperationCode.Unmap, Enumerable.Range(0, (all.Length - 4) / 8).Select(i => all[4 + (8 * i)]));
        Assert.Equal([0x00, 0x01, 0x00, 0x00], one);
    }

    private static TestUnit.Result Unmap(TestUnit t, params (ulong Lba, uint Blocks)[] ranges)
    {
        var list = Cdb.UnmapParameters(ranges);
        return t.Out(Cdb.Unmap((ushort)list.Length), list);
    }
}
