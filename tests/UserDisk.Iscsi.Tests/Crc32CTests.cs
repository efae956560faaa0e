namespace UserDisk.Iscsi.Tests;

public sealed class Crc32CTests
{
    // RFC 3720 B.4 (carried into RFC 7143): the CRC32C examples, as 32-bit values.
    [Theory]
    [InlineData("zeros", 0x8A9136AAu)]
    [InlineData("ones", 0x62A8AB43u)]
    [InlineData("ascending", 0x46DD794Eu)]
    [InlineData("descending", 0x113FDB5Cu)]
    public void Matches_the_rfc_examples(string pattern, uint expected)
    {
        var data = new byte[32];
        for (var i = 0; i < 32; i++)
        {
            data[i] = pattern switch
            {
                "zeros" => 0,
                "ones" => 0xFF,
                "ascending" => (byte)i,
                _ => (byte)(31 - i),
            };
        }

        Assert.Equal(expected, Crc32C.Compute(data));
    }

    [Fact]
    public void Sequence_and_span_forms_agree()
    {
        var data = Enumerable.Range(0, 1000).Select(i => (byte)(i * 7)).ToArray();
        var first = new Segment(data.AsMemory(0, 333));
        var last = first.Append(data.AsMemory(333));
        var sequence = new System.Buffers.ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
        Assert.Equal(Crc32C.Compute(data), Crc32C.Compute(sequence));
    }

    private sealed class Segment : System.Buffers.ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }
}
