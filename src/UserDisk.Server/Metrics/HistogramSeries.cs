namespace UserDisk.Server.Metrics;

/// <summary>
/// One histogram series: a count per bucket (upper bounds inclusive, as Prometheus' <c>le</c> means), and the sum.
/// </summary>
internal sealed class HistogramSeries
{
    private readonly double[] _bounds;

    /// <summary>One count per bound, then the overflow bucket (+Inf).</summary>
    private readonly long[] _counts;
    private double _sum;

    public HistogramSeries(double[] bounds)
    {
        _bounds = bounds;
        _counts = new long[bounds.Length + 1];
    }

    public double Sum => Volatile.Read(ref _sum);

    public void Record(double value)
    {
        if (double.IsNaN(value))
        {
            return;
        }

        int bucket = Array.BinarySearch(_bounds, value);
        if (bucket < 0)
        {
            bucket = ~bucket;
        }

        Interlocked.Increment(ref _counts[bucket]);
        double current = Volatile.Read(ref _sum);
        while (true)
        {
            double seen = Interlocked.CompareExchange(ref _sum, current + value, current);
            if (seen.Equals(current))
            {
                return;
            }

            current = seen;
        }
    }

    /// <summary>The count of bucket <paramref name="index"/> alone (not cumulative); index Length is +Inf.</summary>
    public long Count(int index) => Volatile.Read(ref _counts[index]);
}
