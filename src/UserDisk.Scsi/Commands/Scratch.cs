using System.Buffers;

namespace UserDisk.Scsi.Commands;

/// <summary>
/// Scratch memory for the commands that must read before they answer (VERIFY, COMPARE AND WRITE) or expand a
/// pattern (WRITE SAME). Rented from the shared pool: these commands are rare next to READ and WRITE, and the
/// pool makes them allocation-free once warm.
/// </summary>
internal static class Scratch
{
    /// <summary>Largest piece a chunked operation moves at once.</summary>
    public const int ChunkBytes = 1024 * 1024;

    public static byte[] Rent(long bytes) => ArrayPool<byte>.Shared.Rent((int)Math.Min(bytes, ChunkBytes));

    /// <summary>A buffer of at least <paramref name="bytes"/>, for commands that need the whole range at once.</summary>
    public static byte[] RentWhole(int bytes) => ArrayPool<byte>.Shared.Rent(bytes);

    public static void Return(byte[] buffer) => ArrayPool<byte>.Shared.Return(buffer);

    /// <summary>Index of the first byte that differs, or -1.</summary>
    public static int FirstDifference(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        var i = a.CommonPrefixLength(b);
        return i == a.Length ? -1 : i;
    }
}
