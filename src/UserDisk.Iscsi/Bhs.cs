using System.Buffers.Binary;

namespace UserDisk.Iscsi;

/// <summary>
/// Field access to a 48-byte Basic Header Segment (RFC 7143 11.2). Reads and writes big-endian fields in place;
/// nothing is decoded into objects, so the receive path allocates nothing.
/// </summary>
internal static class Bhs
{
    public const int Length = 48;
    public const uint ReservedTag = 0xFFFF_FFFF;

    public static IscsiOpcode Opcode(ReadOnlySpan<byte> h) => (IscsiOpcode)(h[0] & 0x3F);

    public static bool Immediate(ReadOnlySpan<byte> h) => (h[0] & 0x40) != 0;

    public static bool Final(ReadOnlySpan<byte> h) => (h[1] & 0x80) != 0;

    public static int TotalAhsLength(ReadOnlySpan<byte> h) => h[4] * 4;

    public static int DataSegmentLength(ReadOnlySpan<byte> h) => (h[5] << 16) | (h[6] << 8) | h[7];

    public static ulong Lun(ReadOnlySpan<byte> h) => BinaryPrimitives.ReadUInt64BigEndian(h[8..]);

    public static uint InitiatorTaskTag(ReadOnlySpan<byte> h) => BinaryPrimitives.ReadUInt32BigEndian(h[16..]);

    public static uint UInt32(ReadOnlySpan<byte> h, int offset) => BinaryPrimitives.ReadUInt32BigEndian(h[offset..]);

    public static void SetUInt32(Span<byte> h, int offset, uint value) => BinaryPrimitives.WriteUInt32BigEndian(h[offset..], value);

    public static void SetDataSegmentLength(Span<byte> h, int length)
    {
        h[5] = (byte)(length >> 16);
        h[6] = (byte)(length >> 8);
        h[7] = (byte)length;
    }

    public static int Padded(int length) => (length + 3) & ~3;

    /// <summary>True when a is before b in 32-bit serial number arithmetic (RFC 1982, used for CmdSN/StatSN).</summary>
    public static bool SerialLess(uint a, uint b) => a != b && (int)(a - b) < 0;
}
