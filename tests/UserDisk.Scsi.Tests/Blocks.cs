namespace UserDisk.Scsi.Tests;

/// <summary>Block-sized test data.</summary>
internal static class Blocks
{
    public const int Size = 512;

    /// <summary><paramref name="count"/> blocks of <paramref name="value"/>.</summary>
    public static byte[] Filled(int count, byte value, int blockSize = Size)
    {
        var data = new byte[count * blockSize];
        data.AsSpan().Fill(value);
        return data;
    }

    /// <summary>
    /// <paramref name="count"/> blocks where every byte depends on its position and <paramref name="seed"/>, so a
    /// block read from the wrong place, or shifted by a byte, does not match.
    /// </summary>
    public static byte[] Pattern(int count, int seed, int blockSize = Size)
    {
        var data = new byte[count * blockSize];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = (byte)((i * 31) + (i >> 9) + (seed * 101) + 1);
        }

        return data;
    }

    public static byte[] Zeros(int count, int blockSize = Size) => new byte[count * blockSize];
}
