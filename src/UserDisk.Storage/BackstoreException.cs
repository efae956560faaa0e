namespace UserDisk.Storage;

/// <summary>A typed backstore failure. Thrown only on error paths, never for flow control.</summary>
/// <remarks>Not sealed: a backstore may throw a subclass that carries more detail (e.g.
/// <see cref="SquashfsFormatException"/> names the offending superblock field), and callers that only care about
/// <see cref="Error"/> still catch it here.</remarks>
public class BackstoreException : IOException
{
    public BackstoreException(BackstoreError error, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Error = error;
    }

    public BackstoreException()
        : this(BackstoreError.MediumError, "Backstore failure.")
    {
    }

    public BackstoreException(string message)
        : this(BackstoreError.MediumError, message)
    {
    }

    public BackstoreException(string message, Exception innerException)
        : this(BackstoreError.MediumError, message, innerException)
    {
    }

    public BackstoreError Error { get; }
}
