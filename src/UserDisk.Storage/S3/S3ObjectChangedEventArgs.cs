namespace UserDisk.Storage.S3;

/// <summary>Raised once when an <see cref="S3Backstore"/> finds that its object was replaced or removed.</summary>
public sealed class S3ObjectChangedEventArgs : EventArgs
{
    public S3ObjectChangedEventArgs(S3Location location, string pinnedETag, S3ObjectChangeReason reason, string detail)
    {
        Location = location;
        PinnedETag = pinnedETag;
        Reason = reason;
        Detail = detail;
    }

    public S3Location Location { get; }

    /// <summary>The ETag the backstore opened, which no longer matches.</summary>
    public string PinnedETag { get; }

    public S3ObjectChangeReason Reason { get; }

    /// <summary>What was seen, for a log line (the status code, the new ETag when the server sent one).</summary>
    public string Detail { get; }
}
