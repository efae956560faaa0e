using static UserDisk.Scsi.OperationCode;

namespace UserDisk.Scsi.Tests;

/// <summary>SYNCHRONIZE CACHE (10) and (16) (SBC-4 5.26, 5.27): flush the range; a count of zero means to the end.</summary>
public sealed class SynchronizeCacheTests
{
    [Theory]
    [InlineData(SynchronizeCache10)]
    [InlineData(SynchronizeCache16)]
    public void Synchronize_cache_flushes_exactly_the_range_named(byte opcode)
    {
        using var t = TestUnit.Instrumented();

        Expect.Good(t.In(Cdb.LbaCount(opcode, 8, 16), expected: 0));

        Assert.Equal([new BackstoreCall(BackstoreOperation.Flush, 8 * 512, 16 * 512)], t.Probe.Calls);
    }

    [Theory]
    [InlineData(SynchronizeCache10)]
    [InlineData(SynchronizeCache16)]
    public void Synchronize_cache_of_zero_blocks_flushes_from_the_lba_to_the_end(byte opcode)
    {
        using var t = TestUnit.Instrumented();

        Expect.Good(t.In(Cdb.LbaCount(opcode, 100, 0), expected: 0));

        Assert.Equal([new BackstoreCall(BackstoreOperation.Flush, 100 * 512, 0)], t.Probe.Calls);
    }

    [Fact]
    public void Synchronize_cache_with_immed_still_flushes_before_good()
    {
        using var t = TestUnit.Instrumented();

        Expect.Good(t.In(Cdb.LbaCount(SynchronizeCache10, 0, 0, flags: 0x02), expected: 0));

        Assert.Single(t.Probe.CallsOf(BackstoreOperation.Flush));
    }

    [Theory]
    [SenseFormats(SynchronizeCache10, 2048u, 1u)]
    [SenseFormats(SynchronizeCache10, 2000u, 49u)]
    [SenseFormats(SynchronizeCache16, 2049u, 0u)]
    [SenseFormats(SynchronizeCache16, 0xFFFF_FFFFu, 2u)]
    public void Synchronize_cache_past_the_last_block_is_lba_out_of_range_and_flushes_nothing(byte opcode, uint lba, uint blocks, bool descriptorSense)
    {
        using var t = TestUnit.Instrumented(blocks: 2048, descriptorSense: descriptorSense);

        Expect.PlainCheckCondition(t.In(Cdb.LbaCount(opcode, lba, blocks), expected: 0), SenseCode.LbaOutOfRange, descriptorSense);

        Assert.Empty(t.Probe.Calls);
    }

    [Fact]
    public void Synchronize_cache_of_the_last_block_is_good()
    {
        using var t = TestUnit.Instrumented(blocks: 2048);

        Expect.Good(t.In(Cdb.LbaCount(SynchronizeCache16, 2047, 1), expected: 0));
    }
}
