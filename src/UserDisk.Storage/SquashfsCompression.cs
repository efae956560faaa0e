namespace UserDisk.Storage;

/// <summary>
/// The compressor ids of the squashfs 4.0 superblock (u16 at offset 20), as Linux's squashfs_fs.h and
/// squashfs-tools number them.
/// </summary>
public enum SquashfsCompression : ushort
{
    /// <summary>zlib (deflate); mksquashfs's default and the one every squashfs-enabled kernel reads.</summary>
    Gzip = 1,

    /// <summary>The original LZMA; mainline Linux never read it (it reads <see cref="Xz"/>).</summary>
    Lzma = 2,

    Lzo = 3,

    Xz = 4,

    Lz4 = 5,

    Zstd = 6,
}
