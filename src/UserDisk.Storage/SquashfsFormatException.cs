namespace UserDisk.Storage;

/// <summary>
/// A squashfs image whose superblock cannot be served: not squashfs at all, a version or compressor Linux cannot
/// mount, or an image cut short. Always <see cref="BackstoreError.InvalidArgument"/>: retrying will not help,
/// the object itself must be replaced.
/// </summary>
public sealed class SquashfsFormatException : BackstoreException
{
    public SquashfsFormatException(string field, string message, Exception? innerException = null)
        : base(BackstoreError.InvalidArgument, message, innerException)
    {
        Field = field;
    }

    public SquashfsFormatException()
        : this("superblock", "Not a valid squashfs image.")
    {
    }

    public SquashfsFormatException(string message)
        : this("superblock", message)
    {
    }

    public SquashfsFormatException(string message, Exception innerException)
        : this("superblock", message, innerException)
    {
    }

    /// <summary>
    /// The superblock field that failed, named as in Linux's squashfs_fs.h ("magic", "version", "block_size",
    /// "block_log", "compression", "bytes_used", "inode_table_start", ...), or "superblock" when the 96 bytes
    /// themselves are missing.
    /// </summary>
    public string Field { get; }
}
