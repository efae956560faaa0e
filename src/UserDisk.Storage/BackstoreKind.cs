namespace UserDisk.Storage;

/// <summary>The kinds of backstore that <see cref="BackstoreUri"/> describes.</summary>
public enum BackstoreKind
{
    /// <summary>A regular file or block device: <see cref="FileBackstore"/>.</summary>
    File,

    /// <summary>A sparse RAM disk: <see cref="MemoryBackstore"/>.</summary>
    Memory,

    /// <summary>Zeros in, nothing out: <see cref="NullBackstore"/>.</summary>
    Null,

    /// <summary>One S3 object, read-only, through ranged GETs and a block cache.</summary>
    S3,

    /// <summary>A squashfs image (a file or an S3 object), validated and served read-only.</summary>
    Squashfs,
}
