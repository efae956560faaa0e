using System.Buffers.Binary;

namespace UserDisk.Scsi.Tests;

/// <summary>
/// Sense data taken apart as SPC-5 4.4 lays it out, in either format, checking the framing on the way: fixed
/// (70h, 18 bytes, ADDITIONAL SENSE LENGTH 10) or descriptor (72h, descriptors filling ADDITIONAL SENSE LENGTH).
/// </summary>
internal sealed record SenseView(bool Descriptor, SenseCode Code, ulong? Information, byte[]? SenseKeySpecific)
{
    public static SenseView Parse(byte[] sense)
    {
        Assert.True(sense.Length >= 8, $"sense is {sense.Length} bytes");
        return (sense[0] & 0x7F) switch
        {
            0x70 => ParseFixed(sense),
            0x72 => ParseDescriptor(sense),
            _ => throw new InvalidOperationException($"Response code {sense[0]:X2}h is neither 70h nor 72h."),
        };
    }

    private static SenseView ParseFixed(byte[] s)
    {
        Assert.Equal(SenseData.FixedLength, s.Length);
        Assert.Equal(10, s[7]);
        ulong? information = (s[0] & 0x80) != 0 ? BinaryPrimitives.ReadUInt32BigEndian(s.AsSpan(3)) : null;
        if ((s[0] & 0x80) == 0)
        {
            Assert.Equal([0, 0, 0, 0], s[3..7]);
        }

        byte[]? sks = (s[15] & 0x80) != 0 ? s[15..18] : null;
        if (sks is null)
        {
            Assert.Equal([0, 0, 0], s[15..18]);
        }

        return new SenseView(false, new SenseCode((SenseKey)(s[2] & 0x0F), s[12], s[13]), information, sks);
    }

    private static SenseView ParseDescriptor(byte[] s)
    {
        Assert.Equal(8 + s[7], s.Length);
        ulong? information = null;
        byte[]? sks = null;
        for (var p = 8; p < s.Length; p += 2 + s[p + 1])
        {
            switch (s[p])
            {
                case 0x00:
                    Assert.Equal(0x0A, s[p + 1]);
                    Assert.Equal(0x80, s[p + 2]);
                    information = BinaryPrimitives.ReadUInt64BigEndian(s.AsSpan(p + 4));
                    break;
                case 0x02:
                    Assert.Equal(0x06, s[p + 1]);
                    sks = s[(p + 4)..(p + 7)];
                    break;
                default:
                    throw new InvalidOperationException($"Unexpected sense data descriptor type {s[p]:X2}h.");
            }
        }

        return new SenseView(true, new SenseCode((SenseKey)(s[1] & 0x0F), s[2], s[3]), information, sks);
    }
}
