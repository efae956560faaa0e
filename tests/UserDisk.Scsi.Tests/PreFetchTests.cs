using static UserDisk.Scsi.OperationCode;

namespace UserDisk.Scsi.Tests;

/// <summary>PRE-FETCH (10) and (16) (SBC-4 5.9, 5.10): nothing to cache, so GOOD ("not all in cache") after a range check.</summary>
public sealed class PreFetchTests
{
    [Theory]
    [InlineData(PreFetch10)]
    [InlineData(PreFetch16)]
    public void Pre_fetch_in_range_is_good_and_touches_nothing(byte opcode)
    {
        using var t = TestUnit.Instrumented();

        var result = t.In(Cdb.LbaCount(opcode, 0, 2048), expected: 0);

        Assert.Equal(ScsiStatus.Good, result.Status);
        Assert.Empty(t.Probe.Calls);
    }

    [Theory]
    [SenseFormats(PreFetch10)]
    [SenseFormats(PreFetch16)]
    public void Pre_fetch_past_the_last_block_is_lba_out_of_range(byte opcode, bool descriptorSense)
    {
        using var t = TestUnit.Memory(blocks: 2048, descriptorSense: descriptorSense);

        Expect.PlainCheckCondition(t.In(Cdb.LbaCount(opcode, 2047, 2), expected: 0), SenseCode.LbaOutOfRange, descriptorSense);
    }
}
