namespace UserDisk.Storage.Tests;

internal static class TestData
{
    /// <summary>Bytes that differ from zeros and from another seed's pattern at almost every position.</summary>
    public static byte[] Pattern(int length, int seed = 1)
    {
        var bytes = new byte[length];
        for (int i = 0; i < length; i++)
        {
            bytes[i] = (byte)((i * 31) + (i >> 8) + (seed * 77) + 1);
        }

        return bytes;
    }

    public static bool IsAllZero(ReadOnlySpan<byte> bytes) => !bytes.ContainsAnyExcept((byte)0);
}
