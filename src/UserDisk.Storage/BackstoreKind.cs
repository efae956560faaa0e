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
}
