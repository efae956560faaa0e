using System.Buffers;
using System.Numerics;
using System.Runtime.InteropServices;

namespace UserDisk.Iscsi;

/// <summary>
/// CRC32C (Castagnoli) for iSCSI header and data digests (RFC 7143 13.1; test vectors in RFC 3720 B.4).
/// System.IO.Hashing is not served by our package source; <see cref="BitOperations.Crc32C(uint, ulong)"/> uses the
/// SSE4.2 / ARMv8 CRC instructions where present.
/// </summary>
public static class Crc32C
{
    public static uint Compute(ReadOnlySpan<byte> data) => ~Append(uint.MaxValue, data);

    public static uint Compute(in ReadOnlySequence<byte> data)
    {
        var crc = uint.MaxValue;
        foreach (var segment in data)
        {
            crc = Append(crc, segment.Span);
        }

        return ~crc;
    }

    /// <summary>Continues a running (not yet inverted) CRC over more bytes.</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        var words = MemoryMarshal.Cast<byte, ulong>(data);
        foreach (var w in words)
        {
            crc = BitOperations.Crc32C(crc, w);
        }

        foreach (var b in data[(words.Length * 8)..])
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return crc;
    }
}
