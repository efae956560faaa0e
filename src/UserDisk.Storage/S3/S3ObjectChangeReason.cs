namespace UserDisk.Storage.S3;

/// <summary>What became of the object an <see cref="S3Backstore"/> pinned at open.</summary>
public enum S3ObjectChangeReason
{
    /// <summary>The key now holds another version (a different ETag, 412 Precondition Failed on If-Match).</summary>
    Replaced,

    /// <summary>The key (or its bucket) no longer exists (404).</summary>
    Removed,
}
