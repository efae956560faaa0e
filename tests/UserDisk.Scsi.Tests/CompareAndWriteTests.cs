using System.Buffers.Binary;
using System.Collections.Concurrent;

namespace UserDisk.Scsi.Tests;

/// <summary>
/// COMPARE AND WRITE (SBC-4 5.3): compare the first half of the data-out buffer with the medium and, only if equal,
/// write the second half, as one atomic operation with respect to every other command (VMware ATS relies on it).
/// </summary>
public sealed class CompareAndWriteTests
{
    private const int WorkerTimeoutSeconds = 30;

    [Fact]
    public void Matching_compare_writes_the_second_half_of_the_data_out()
    {
        using var t = TestUnit.Memory();
        var before = Blocks.Pattern(2, seed: 1);
        var after = Blocks.Pattern(2, seed: 2);
        t.WriteBlocks(5, before);

        var result = t.Out(Cdb.CompareAndWrite(5, 2), [.. before, .. after]);

        Expect.Good(result);
        Expect.Residual(result, ResidualKind.None, 0);
        Assert.Equal([.. Blocks.Zeros(1), .. after, .. Blocks.Zeros(1)], t.ReadBlocks(4, 4));
    }

    [Theory]
    [SenseFormats(0)]
    [SenseFormats(700)]
    [SenseFormats(1023)]
    public void Mismatch_is_miscompare_with_the_offset_of_the_first_differing_byte_and_writes_nothing(int at, bool descriptorSense)
    {
        using var t = TestUnit.Memory(descriptorSense: descriptorSense);
        var before = Blocks.Pattern(2, seed: 1);
        t.WriteBlocks(5, before);
        var expected = (byte[])before.Clone();
        expected[at] ^= 0x10;
        expected[^1] ^= 0x01;

        Expect.Miscompare(t.Out(Cdb.CompareAndWrite(5, 2), [.. expected, .. Blocks.Pattern(2, seed: 2)]), descriptorSense, (ulong)at);

        Assert.Equal(before, t.ReadBlocks(5, 2));
    }

    [Fact]
    public void Zero_blocks_is_good_and_touches_nothing()
    {
        using var t = TestUnit.Instrumented();

        Expect.Good(t.Out(Cdb.CompareAndWrite(5, 0), []));

        Assert.Empty(t.Probe.Calls);
    }

    [Theory]
    [SenseFormats]
    public void More_blocks_than_the_maximum_compare_and_write_length_is_an_invalid_field_at_the_count(bool descriptorSense)
    {
        var options = new LogicalUnitOptions { PowerOnUnitAttention = false, DescriptorSense = descriptorSense, MaxCompareAndWriteBlocks = 1 };
        using var t = TestUnit.Instrumented(options: options);

        Expect.InvalidFieldInCdb(t.Out(Cdb.CompareAndWrite(0, 2), new byte[4 * 512]), descriptorSense, byteOffset: 13);
        Assert.Empty(t.Probe.Calls);
        Expect.Good(t.Out(Cdb.CompareAndWrite(0, 1), new byte[2 * 512]));
    }

    [Theory]
    [SenseFormats(2048ul)]
    [SenseFormats(2047ul)]
    [SenseFormats(ulong.MaxValue)]
    public void Compare_and_write_past_the_last_block_is_lba_out_of_range(ulong lba, bool descriptorSense)
    {
        using var t = TestUnit.Instrumented(blocks: 2048, descriptorSense: descriptorSense);

        Expect.PlainCheckCondition(t.Out(Cdb.CompareAndWrite(lba, 2), new byte[4 * 512]), SenseCode.LbaOutOfRange, descriptorSense);
        Assert.Empty(t.Probe.Calls);
    }

    [Theory]
    [SenseFormats]
    public void Wrprotect_is_an_invalid_field_at_byte_1_bit_7(bool descriptorSense)
    {
        using var t = TestUnit.Instrumented(descriptorSense: descriptorSense);

        Expect.InvalidFieldInCdb(t.Out(Cdb.CompareAndWrite(0, 1, flags: 0x20), new byte[1024]), descriptorSense, byteOffset: 1, bit: 7);
        Assert.Empty(t.Probe.Calls);
    }

    [Theory]
    [SenseFormats(1)]
    [SenseFormats(3)]
    public void Data_out_other_than_twice_the_blocks_is_an_invalid_field_at_the_count_and_writes_nothing(int halves, bool descriptorSense)
    {
        // The CDB fixes the data-out size completely; a transfer of any other size means the two disagree.
        using var t = TestUnit.Instrumented(descriptorSense: descriptorSense);

        var result = t.Out(Cdb.CompareAndWrite(0, 2), new byte[halves * 2 * 512]);

        Expect.InvalidFieldInCdb(result, descriptorSense, byteOffset: 13);
        Assert.Empty(t.Probe.Calls);
    }

    [Theory]
    [InlineData(0x08, true, true)]
    [InlineData(0x00, true, false)]
    [InlineData(0x00, false, true)]
    public void Write_is_forced_with_fua_or_with_the_write_cache_disabled(byte flags, bool writeCache, bool forced)
    {
        using var t = TestUnit.Instrumented(options: new LogicalUnitOptions { PowerOnUnitAttention = false, WriteCacheEnabled = writeCache });

        Expect.Good(t.Out(Cdb.CompareAndWrite(3, 1, flags), [.. Blocks.Zeros(1), .. Blocks.Filled(1, 1)]));

        Assert.Equal([new BackstoreCall(BackstoreOperation.Write, 3 * 512, 512, forced)], t.Probe.CallsOf(BackstoreOperation.Write));
    }

    [Fact]
    public async Task Concurrent_increments_by_compare_and_write_lose_no_update()
    {
        // Each worker reads a counter and tries to replace it with counter + 1. If compare and write were not one
        // atomic step, two workers could both see n, both succeed, and the counter would end below the number of
        // successes.
        const int Workers = 8;
        const int Attempts = 40;
        using var t = YieldingUnit();
        var successes = 0;

        await Task.WhenAll(Enumerable.Range(0, Workers).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < Attempts; i++)
            {
                var current = (await t.RunAsync(Cdb.Read10(0, 1), DataDirection.Read, new byte[512], 512, null, TaskAttribute.Simple)).Data;
                var next = (byte[])current.Clone();
                BinaryPrimitives.WriteUInt64BigEndian(next, BinaryPrimitives.ReadUInt64BigEndian(current) + 1);
                var result = await t.RunAsync(Cdb.CompareAndWrite(0, 1), DataDirection.Write, [.. current, .. next], 1024, null, TaskAttribute.Simple);
                if (result.Good)
                {
                    Interlocked.Increment(ref successes);
                }
                else
                {
                    Assert.Equal(SenseCode.MiscompareDuringVerify, result.SenseCode);
                }
            }
        }))).WaitAsync(TimeSpan.FromSeconds(WorkerTimeoutSeconds), TestContext.Current.CancellationToken);

        Assert.True(successes > 0);
        Assert.Equal((ulong)successes, BinaryPrimitives.ReadUInt64BigEndian(t.ReadBlocks(0, 1)));
    }

    [Fact]
    public async Task No_write_comes_between_the_compare_and_the_write_of_a_compare_and_write()
    {
        // Writers store A or B in a block while compare-and-write workers try to replace A with their own C. The
        // backstore records every read and write of the block in the order they took effect. The reads of the
        // block are all compare-and-write compares, so every C written must follow, with nothing between, a read
        // that saw A; and exactly the commands that returned GOOD wrote their C.
        const ulong Lba = 3;
        const int Writers = 2;
        const int Comparers = 4;
        const int CompareRounds = 30;
        using var t = YieldingUnit();
        var a = Blocks.Filled(1, 0xAA);
        var b = Blocks.Filled(1, 0xBB);
        t.WriteBlocks(Lba, a);
        var log = new ConcurrentQueue<(BackstoreOperation Operation, string Content)>();
        t.Probe.Observe = (call, data) =>
        {
            if (call.Offset == (long)Lba * 512)
            {
                log.Enqueue((call.Operation, Classify(data.Span)));
            }
        };
        var good = new ConcurrentBag<int>();
        var miscompared = new ConcurrentBag<int>();

        var comparersRunning = Comparers;

        // Writers keep going (A, A, B, ...) until the last comparer is done, so compares meet every kind of write.
        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            for (var i = 0; Volatile.Read(ref comparersRunning) > 0; i++)
            {
                var result = await t.RunAsync(Cdb.Write10((uint)Lba, 1), DataDirection.Write, i % 3 == 2 ? b : a, 512, null, TaskAttribute.Simple);
                Assert.True(result.Good);
            }
        }));
        var comparers = Enumerable.Range(0, Comparers).Select(c => Task.Run(async () =>
        {
            try
            {
                for (var i = 0; i < CompareRounds; i++)
                {
                    var id = (c * 1000) + i;
                    var result = await t.RunAsync(Cdb.CompareAndWrite(Lba, 1), DataDirection.Write, [.. a, .. C(id)], 1024, null, TaskAttribute.Simple);
                    (result.Good ? good : miscompared).Add(id);
                    Assert.True(result.Good || result.SenseCode == SenseCode.MiscompareDuringVerify, result.ToString());
                }
            }
            finally
            {
                Interlocked.Decrement(ref comparersRunning);
            }
        }));
        await Task.WhenAll(writers.Concat(comparers)).WaitAsync(TimeSpan.FromSeconds(WorkerTimeoutSeconds), TestContext.Current.CancellationToken);

        Assert.NotEmpty(good);
        var entries = log.ToArray();
        var written = new List<int>();
        for (var i = 0; i < entries.Length; i++)
        {
            if (entries[i].Operation == BackstoreOperation.Write && entries[i].Content.StartsWith('C'))
            {
                Assert.True(i > 0 && entries[i - 1] == (BackstoreOperation.Read, "A"), $"{entries[i].Content} written at event {i} after {(i > 0 ? entries[i - 1] : default)}");
                written.Add(int.Parse(entries[i].Content[1..], System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        Assert.Equal(good.Order(), written.Order());
        Assert.Equal(Comparers * CompareRounds, good.Count + miscompared.Count);
    }

    private static TestUnit YieldingUnit()
    {
        var t = TestUnit.Instrumented();
        t.Probe.Before = async (_, _) => await Task.Yield();
        t.Probe.After = async (_, _) => await Task.Yield();
        return t;
    }

    private static byte[] C(int id)
    {
        var block = Blocks.Filled(1, 0xCC);
        BinaryPrimitives.WriteInt32BigEndian(block.AsSpan(4), id);
        return block;
    }

    private static string Classify(ReadOnlySpan<byte> block) => block[0] switch
    {
        0xAA when !block.ContainsAnyExcept((byte)0xAA) => "A",
        0xBB when !block.ContainsAnyExcept((byte)0xBB) => "B",
        0xCC => $"C{BinaryPrimitives.ReadInt32BigEndian(block[4..])}",
        _ => "?",
    };
}
