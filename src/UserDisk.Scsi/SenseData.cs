using System.Buffers.Binary;

namespace UserDisk.Scsi;

/// <summary>
/// Builds sense data in place in either format of SPC-5 4.4: fixed (response code 70h, 18 bytes) or
/// descriptor (72h), chosen per logical unit by the Control mode page's D_SENSE bit.
/// </summary>
public static class SenseData
{
    public const int FixedLength = 18;

    /// <summary>Largest sense this engine writes: 8-byte header + information (12) + sense key specific (8).</summary>
    public const int MaxLength = 28;

    /// <summary>Writes sense for <paramref name="code"/> and returns its length.</summary>
    public static int Write(Span<byte> destination, bool descriptorFormat, SenseCode code, ulong? information = null, FieldPointer? pointer = null)
    {
        return descriptorFormat
            ? WriteDescriptor(destination, code, information, pointer)
            : WriteFixed(destination, code, information, pointer);
    }

    private static int WriteFixed(Span<byte> s, SenseCode code, ulong? information, FieldPointer? pointer)
    {
        s = s[..FixedLength];
        s.Clear();
        s[0] = 0x70;
        s[2] = (byte)code.Key;
        if (information is ulong info)
        {
            // SPC-5 4.4.3: the fixed format holds 4 bytes of INFORMATION; VALID says they are meaningful.
            s[0] |= 0x80;
            BinaryPrimitives.WriteUInt32BigEndian(s[3..], (uint)Math.Min(info, uint.MaxValue));
        }

        s[7] = FixedLength - 8;
        s[12] = code.Asc;
        s[13] = code.Ascq;
        if (pointer is FieldPointer p)
        {
            WriteSenseKeySpecific(s.Slice(15, 3), p);
        }

        return FixedLength;
    }

    private static int WriteDescriptor(Span<byte> s, SenseCode code, ulong? information, FieldPointer? pointer)
    {
        s[..8].Clear();
        s[0] = 0x72;
        s[1] = (byte)code.Key;
        s[2] = code.Asc;
        s[3] = code.Ascq;
        var length = 8;
        if (information is ulong info)
        {
            // SPC-5 4.4.2.2 Information sense data descriptor: type 00h, length 0Ah, VALID=1, 8-byte INFORMATION.
            var d = s.Slice(length, 12);
            d.Clear();
            d[0] = 0x00;
            d[1] = 0x0A;
            d[2] = 0x80;
            BinaryPrimitives.WriteUInt64BigEndian(d[4..], info);
            length += 12;
        }

        if (pointer is FieldPointer p)
        {
            // SPC-5 4.4.2.4 Sense key specific sense data descriptor: type 02h, length 06h.
            var d = s.Slice(length, 8);
            d.Clear();
            d[0] = 0x02;
            d[1] = 0x06;
            WriteSenseKeySpecific(d.Slice(4, 3), p);
            length += 8;
        }

        s[7] = (byte)(length - 8);
        return length;
    }

    private static void WriteSenseKeySpecific(Span<byte> sks, FieldPointer p)
    {
        // SPC-5 4.4.2.4.2 Field pointer: SKSV=1, C/D=1 for the CDB, BPV + bit pointer when a bit is named.
        byte b = 0x80;
        if (p.InCdb)
        {
            b |= 0x40;
        }

        if (p.Bit >= 0)
        {
            b |= (byte)(0x08 | (p.Bit & 0x7));
        }

        sks[0] = b;
        BinaryPrimitives.WriteUInt16BigEndian(sks[1..], p.ByteOffset);
    }

    /// <summary>Reads key/ASC/ASCQ back from sense in either format (for tests, logs and metrics).</summary>
    public static SenseCode Parse(ReadOnlySpan<byte> sense)
    {
        if (sense.Length < 8)
        {
            return SenseCode.NoSense;
        }

        return (sense[0] & 0x7F) switch
        {
            0x72 or 0x73 => new SenseCode((SenseKey)(sense[1] & 0x0F), sense[2], sense[3]),
            0x70 or 0x71 when sense.Length >= 14 => new SenseCode((SenseKey)(sense[2] & 0x0F), sense[12], sense[13]),
            _ => SenseCode.NoSense,
        };
    }
}
