namespace UserDisk.Storage.S3;

/// <summary>A response showed that the pinned object version is gone; never retried.</summary>
internal sealed class S3ObjectChangedException : Exception
{
    public S3ObjectChangedException(S3ObjectChangeReason reason, string message)
        : base(message)
    {
        Reason = reason;
    }

    public S3ObjectChangedException()
    {
    }

    public S3ObjectChangedException(string message)
        : base(message)
    {
    }

    public S3ObjectChangedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public S3ObjectChangeReason Reason { get; }
}
