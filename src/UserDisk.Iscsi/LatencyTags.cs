using System.Diagnostics;
using System.Globalization;

namespace UserDisk.Iscsi;

/// <summary>The three tag sets (read, write, other) of one LUN's latency histogram, built once so recording is free.</summary>
internal sealed class LatencyTags
{
    public LatencyTags(string target, ulong lun)
    {
        var lunText = lun.ToString(CultureInfo.InvariantCulture);
        Read = Build(target, lunText, "read");
        Write = Build(target, lunText, "write");
        Other = Build(target, lunText, "other");
    }

    public TagList Read { get; }

    public TagList Write { get; }

    public TagList Other { get; }

    private static TagList Build(string target, string lun, string op) =>
        new([new("target", target), new("lun", lun), new("op", op)]);
}
