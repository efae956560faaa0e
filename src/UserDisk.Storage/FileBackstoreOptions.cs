namespace UserDisk.Storage;

/// <summary>How to open a <see cref="FileBackstore"/>.</summary>
public sealed record FileBackstoreOptions
{
    /// <summary>A regular file or a block device. Relative paths are taken from the current directory.</summary>
    public required string Path { get; init; }

    /// <summary>Serve the file read-only. A file that cannot be opened for writing is served read-only anyway.</summary>
    public bool ReadOnly { get; init; }

    /// <summary>Logical block size: 512, 1024, 2048 or 4096.</summary>
    public int BlockSize { get; init; } = 512;

    /// <summary>
    /// Open with O_DIRECT (bypass the page cache). Buffers must then start on a 4096-byte boundary (or the block
    /// size, if larger), and offsets and lengths must be whole blocks.
    /// </summary>
    public bool DirectIo { get; init; }

    /// <summary>
    /// Size in bytes (a positive multiple of <see cref="BlockSize"/>) of a regular file to create, sparse, when it does
    /// not exist. With <see cref="Create"/>, an existing smaller file is also extended to this size; a larger one is an
    /// error (a backstore is never shrunk silently). Without <see cref="Create"/>, an existing file keeps its size.
    /// </summary>
    public long? Size { get; init; }

    /// <summary>Make an existing regular file <see cref="Size"/> bytes long (extend only). Needs <see cref="Size"/>.</summary>
    public bool Create { get; init; }
}
