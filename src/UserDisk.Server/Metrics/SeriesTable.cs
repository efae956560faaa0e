using System.Text;

namespace UserDisk.Server.Metrics;

/// <summary>
/// The time series of one instrument, one per distinct tag set. Lookups on the measurement path compare the tags
/// in place against the tag sets already seen (a short copy-on-write array), so a measurement with a known tag set
/// allocates nothing; a new tag set takes a lock and is keyed by its sorted, escaped label string, so tags given in
/// another order land in the same series.
/// </summary>
internal sealed class SeriesTable<TSeries>
    where TSeries : class
{
    /// <summary>Beyond this many tag sets new ones still work, through the lock (high cardinality is a bug anyway).</summary>
    private const int MaxFastEntries = 256;

    private readonly Func<TSeries> _factory;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, TSeries> _byLabels = new(StringComparer.Ordinal);
    private Entry[] _entries = [];

    public SeriesTable(Func<TSeries> factory) => _factory = factory;

    public TSeries Get(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        foreach (Entry entry in Volatile.Read(ref _entries))
        {
            if (entry.Matches(tags))
            {
                return entry.Series;
            }
        }

        return Add(tags);
    }

    /// <summary>Forgets every series (observable instruments report their full state on each scrape).</summary>
    public void Clear()
    {
        lock (_lock)
        {
            _byLabels.Clear();
            Volatile.Write(ref _entries, []);
        }
    }

    /// <summary>The series sorted by label string; labels are <c>a="x",b="y"</c> without braces.</summary>
    public List<KeyValuePair<string, TSeries>> Snapshot()
    {
        lock (_lock)
        {
            var list = _byLabels.ToList();
            list.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
            return list;
        }
    }

    private TSeries Add(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        string labels = Labels(tags);
        lock (_lock)
        {
            if (!_byLabels.TryGetValue(labels, out TSeries? series))
            {
                series = _factory();
                _byLabels[labels] = series;
            }

            Entry[] entries = _entries;
            if (entries.Length < MaxFastEntries)
            {
                var grown = new Entry[entries.Length + 1];
                entries.CopyTo(grown, 0);
                grown[^1] = new Entry(tags.ToArray(), series);
                Volatile.Write(ref _entries, grown);
            }

            return series;
        }
    }

    private static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.IsEmpty)
        {
            return string.Empty;
        }

        var pairs = new List<KeyValuePair<string, string>>(tags.Length);
        foreach (KeyValuePair<string, object?> tag in tags)
        {
            string name = PrometheusText.LabelName(tag.Key);
            if (!pairs.Exists(p => p.Key == name))
            {
                pairs.Add(new(name, PrometheusText.TagValue(tag.Value)));
            }
        }

        pairs.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        var builder = new StringBuilder();
        foreach (KeyValuePair<string, string> pair in pairs)
        {
            if (builder.Length > 0)
            {
                builder.Append(',');
            }

            builder.Append(pair.Key).Append("=\"");
            PrometheusText.AppendLabelValue(builder, pair.Value);
            builder.Append('"');
        }

        return builder.ToString();
    }

    private sealed class Entry(KeyValuePair<string, object?>[] tags, TSeries series)
    {
        public TSeries Series { get; } = series;

        public bool Matches(ReadOnlySpan<KeyValuePair<string, object?>> other)
        {
            if (other.Length != tags.Length)
            {
                return false;
            }

            for (int i = 0; i < tags.Length; i++)
            {
                if (!string.Equals(tags[i].Key, other[i].Key, StringComparison.Ordinal) || !Equals(tags[i].Value, other[i].Value))
                {
                    return false;
                }
            }

            return true;
        }
    }
}
