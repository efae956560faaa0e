using System.Globalization;

namespace UserDisk.Server.Hosting;

/// <summary>A byte count that prints for people: 1 GiB, 64 MiB, 1.5 KiB, 7 B (formatted only when logged).</summary>
public readonly record struct ByteSize(long Bytes)
{
    public override string ToString()
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
        int unit = 0;
        double value = Bytes;
        while (Math.Abs(value) >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return string.Create(CultureInfo.InvariantCulture, $"{value:0.##} {units[unit]}");
    }
}
