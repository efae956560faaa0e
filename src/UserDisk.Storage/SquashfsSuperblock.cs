using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Text;

namespace UserDisk.Storage;

/// <summary>
/// The 96-byte superblock at the start of a squashfs 4.0 image, little-endian, as laid out in Linux's
/// fs/squashfs/squashfs_fs.h (struct squashfs_super_block) and squashfs-tools. UserDisk never decompresses the
/// image (the initiator's kernel mounts it); it reads the superblock only to refuse objects that no kernel could
/// mount, and to know where the file system ends.
/// </summary>
/// <remarks>
/// Offsets: 0 magic, 4 inodes, 8 mkfs_time, 12 block_size, 16 fragments, 20 compression (u16), 22 block_log (u16),
/// 24 flags (u16), 26 no_ids (u16), 28 s_major (u16), 30 s_minor (u16), 32 root_inode, 40 bytes_used,
/// 48 id_table_start, 56 xattr_id_table_start, 64 inode_table_start, 72 directory_table_start,
/// 80 fragment_table_start, 88 lookup_table_start (all u64 from 32 on).
/// </remarks>
public readonly record struct SquashfsSuperblock
{
    /// <summary>Bytes in the superblock.</summary>
    public const int Size = 96;

    /// <summary>"hsqs" read as a little-endian u32: a squashfs image written on (or for) a little-endian machine.</summary>
    public const uint Magic = 0x73717368;

    /// <summary>A table offset meaning "this table is absent" (SQUASHFS_INVALID_BLK).</summary>
    public const ulong NoTable = ulong.MaxValue;

    /// <summary>Smallest data block mksquashfs and the kernel accept (4 KiB).</summary>
    public const int MinBlockSize = 4096;

    /// <summary>Largest data block (SQUASHFS_FILE_MAX_SIZE, 1 MiB); the kernel refuses anything larger.</summary>
    public const int MaxBlockSize = 1 << 20;

    public uint InodeCount { get; init; }

    /// <summary>mkfs_time: seconds since the Unix epoch when the image was made or last appended to.</summary>
    public uint ModificationTime { get; init; }

    /// <summary>Size of a data block in bytes (not the SCSI logical block size).</summary>
    public int BlockSize { get; init; }

    public uint FragmentCount { get; init; }

    public SquashfsCompression Compression { get; init; }

    /// <summary>log2 of <see cref="BlockSize"/>.</summary>
    public ushort BlockLog { get; init; }

    /// <summary>The superblock flags (SQUASHFS_NOI, SQUASHFS_NOD, ..., SQUASHFS_COMP_OPT), uninterpreted.</summary>
    public ushort Flags { get; init; }

    /// <summary>no_ids: entries in the uid/gid table.</summary>
    public ushort IdCount { get; init; }

    public ushort VersionMajor { get; init; }

    public ushort VersionMinor { get; init; }

    /// <summary>Reference to the root directory's inode (metadata block offset &lt;&lt; 16 | offset within it).</summary>
    public ulong RootInode { get; init; }

    /// <summary>Bytes of the image that belong to the file system; what follows (if anything) is padding.</summary>
    public long BytesUsed { get; init; }

    public ulong IdTableStart { get; init; }

    public ulong XattrIdTableStart { get; init; }

    public ulong InodeTableStart { get; init; }

    public ulong DirectoryTableStart { get; init; }

    public ulong FragmentTableStart { get; init; }

    /// <summary>lookup_table_start: the NFS export table, <see cref="NoTable"/> when the image is not exportable.</summary>
    public ulong LookupTableStart { get; init; }

    public DateTimeOffset CreatedUtc => DateTimeOffset.FromUnixTimeSeconds(ModificationTime);

    /// <summary>The compressor's name as mksquashfs -comp spells it.</summary>
    public string CompressionName => NameOf(Compression);

    /// <summary>One line for <c>userdisk inspect</c>.</summary>
    public string Summary => string.Create(
        CultureInfo.InvariantCulture,
        $"squashfs {VersionMajor}.{VersionMinor}, {CompressionName} compression, block size {BlockSize} ({BlockSize / 1024} KiB), " +
        $"{InodeCount} inodes, {FragmentCount} fragments, {BytesUsed} bytes used, created {CreatedUtc:yyyy-MM-dd HH:mm:ss} UTC");

    public override string ToString() => Summary;

    /// <summary>
    /// Parses and validates the superblock at the start of <paramref name="header"/>.
    /// </summary>
    /// <param name="header">The first bytes of the object: at least <see cref="Size"/> for a valid image. More (a few
    /// KiB) lets a foreign format whose signature lies further in (ext4, EROFS, tar) be named in the error.</param>
    /// <param name="objectLength">The object's length in bytes: <see cref="BytesUsed"/> must fit inside it.</param>
    /// <param name="location">Names the object in error messages (a path or an S3 URI).</param>
    /// <exception cref="SquashfsFormatException">The first failing check, naming its field.</exception>
    public static SquashfsSuperblock Parse(ReadOnlySpan<byte> header, long objectLength, string location)
    {
        if (header.Length < Size)
        {
            throw Invalid(
                location,
                "superblock",
                $"only {header.Length} bytes could be read, fewer than the {Size}-byte superblock: the image is truncated");
        }

        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(header);
        if (magic != Magic)
        {
            string found = Printable(header[..4]);
            string? foreign = RecogniseForeign(header);
            throw Invalid(
                location,
                "magic",
                $"not a squashfs image: magic is '{found}' (hex {Convert.ToHexStringLower(header[..4])}), expected 'hsqs'"
                + (foreign is null ? string.Empty : $"; {foreign}"));
        }

        // The layout of everything after the magic depends on the version (3.x keeps bytes_used at offset 8,
        // for one), so the version is checked before any other field is trusted.
        ushort major = BinaryPrimitives.ReadUInt16LittleEndian(header[28..]);
        ushort minor = BinaryPrimitives.ReadUInt16LittleEndian(header[30..]);
        if (major != 4 || minor != 0)
        {
            throw Invalid(
                location,
                "version",
                $"version is {major}.{minor}, expected 4.0 (Linux has mounted only 4.0 since 2.6.29; rebuild the image with mksquashfs 4)");
        }

        ushort compression = BinaryPrimitives.ReadUInt16LittleEndian(header[20..]);
        if (compression is < (ushort)SquashfsCompression.Gzip or > (ushort)SquashfsCompression.Zstd)
        {
            throw Invalid(
                location,
                "compression",
                $"compression is {compression}, expected 1 (gzip), 2 (lzma), 3 (lzo), 4 (xz), 5 (lz4) or 6 (zstd)");
        }

        uint blockSize = BinaryPrimitives.ReadUInt32LittleEndian(header[12..]);
        if (blockSize is < MinBlockSize or > MaxBlockSize || !uint.IsPow2(blockSize))
        {
            throw Invalid(
                location,
                "block_size",
                $"block_size is {blockSize}, expected a power of two from {MinBlockSize} to {MaxBlockSize}");
        }

        // The kernel computes offsets within a file from block_log and sizes from block_size: if they disagree,
        // files read back wrong, so it refuses to mount such an image (squashfs_fill_super) and so do we.
        ushort blockLog = BinaryPrimitives.ReadUInt16LittleEndian(header[22..]);
        int expectedLog = BitOperations.Log2(blockSize);
        if (blockLog != expectedLog)
        {
            throw Invalid(
                location,
                "block_log",
                $"block_log is {blockLog}, expected {expectedLog} (block_size {blockSize} is 2^{expectedLog})");
        }

        ulong bytesUsed = BinaryPrimitives.ReadUInt64LittleEndian(header[40..]);
        if (bytesUsed < Size)
        {
            throw Invalid(location, "bytes_used", $"bytes_used is {bytesUsed}, less than the {Size}-byte superblock itself");
        }

        if (bytesUsed > (ulong)Math.Max(objectLength, 0))
        {
            throw Invalid(
                location,
                "bytes_used",
                $"bytes_used {bytesUsed} is beyond the object's {objectLength} bytes: the image is truncated");
        }

        var superblock = new SquashfsSuperblock
        {
            InodeCount = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]),
            ModificationTime = BinaryPrimitives.ReadUInt32LittleEndian(header[8..]),
            BlockSize = (int)blockSize,
            FragmentCount = BinaryPrimitives.ReadUInt32LittleEndian(header[16..]),
            Compression = (SquashfsCompression)compression,
            BlockLog = blockLog,
            Flags = BinaryPrimitives.ReadUInt16LittleEndian(header[24..]),
            IdCount = BinaryPrimitives.ReadUInt16LittleEndian(header[26..]),
            VersionMajor = major,
            VersionMinor = minor,
            RootInode = BinaryPrimitives.ReadUInt64LittleEndian(header[32..]),
            BytesUsed = (long)bytesUsed,
            IdTableStart = BinaryPrimitives.ReadUInt64LittleEndian(header[48..]),
            XattrIdTableStart = BinaryPrimitives.ReadUInt64LittleEndian(header[56..]),
            InodeTableStart = BinaryPrimitives.ReadUInt64LittleEndian(header[64..]),
            DirectoryTableStart = BinaryPrimitives.ReadUInt64LittleEndian(header[72..]),
            FragmentTableStart = BinaryPrimitives.ReadUInt64LittleEndian(header[80..]),
            LookupTableStart = BinaryPrimitives.ReadUInt64LittleEndian(header[88..]),
        };

        // Every table lies after the superblock and inside the file system. A table offset past bytes_used means
        // a corrupt superblock or an image cut and then patched; the kernel would fail at mount time with an I/O
        // error deep in a metadata read, so the error is given here, where it can name the field.
        CheckTable(location, "inode_table_start", superblock.InodeTableStart, bytesUsed);
        CheckTable(location, "directory_table_start", superblock.DirectoryTableStart, bytesUsed);
        CheckTable(location, "fragment_table_start", superblock.FragmentTableStart, bytesUsed);
        CheckTable(location, "lookup_table_start", superblock.LookupTableStart, bytesUsed);
        CheckTable(location, "id_table_start", superblock.IdTableStart, bytesUsed);
        CheckTable(location, "xattr_id_table_start", superblock.XattrIdTableStart, bytesUsed);
        return superblock;
    }

    /// <summary>The name mksquashfs -comp uses for <paramref name="compression"/>.</summary>
    public static string NameOf(SquashfsCompression compression) => compression switch
    {
        SquashfsCompression.Gzip => "gzip",
        SquashfsCompression.Lzma => "lzma",
        SquashfsCompression.Lzo => "lzo",
        SquashfsCompression.Xz => "xz",
        SquashfsCompression.Lz4 => "lz4",
        SquashfsCompression.Zstd => "zstd",
        _ => ((ushort)compression).ToString(CultureInfo.InvariantCulture),
    };

    private static void CheckTable(string location, string field, ulong start, ulong bytesUsed)
    {
        if (start != NoTable && (start < Size || start >= bytesUsed))
        {
            throw Invalid(
                location,
                field,
                $"{field} is {start}, expected an offset from {Size} to below bytes_used {bytesUsed} (or 0x{NoTable:x16} for no table)");
        }
    }

    // A parameter typed as a byte span, so that a collection expression argument is bytes rather than ints.
    private static bool Starts(ReadOnlySpan<byte> bytes, ReadOnlySpan<byte> signature) => bytes.StartsWith(signature);

    private static SquashfsFormatException Invalid(string location, string field, string detail) =>
        new(field, $"Squashfs image '{location}': {detail}.");

    private static string Printable(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder(bytes.Length);
        foreach (byte b in bytes)
        {
            text.Append(b is >= 0x20 and < 0x7f and not (byte)'\'' ? (char)b : '.');
        }

        return text.ToString();
    }

    /// <summary>
    /// Names the format of a non-squashfs object from its signature, for the formats an operator is likely to point
    /// UserDisk at by mistake (a compressed image, another file system, a whole disk). Null when none matches.
    /// </summary>
    private static string? RecogniseForeign(ReadOnlySpan<byte> header)
    {
        if (header.StartsWith("sqsh"u8))
        {
            return "it looks like a big-endian squashfs image: big-endian squashfs (version < 4) is not supported";
        }

        if (header.StartsWith("shsq"u8) || header.StartsWith("qshs"u8))
        {
            return "it looks like an LZMA-patched squashfs 3.x image (a vendor format Linux never mounted)";
        }

        if (Starts(header, [0x1f, 0x8b]))
        {
            return "it looks like a gzip stream (decompress it first)";
        }

        if (Starts(header, [0x28, 0xb5, 0x2f, 0xfd]))
        {
            return "it looks like a zstd frame (decompress it first)";
        }

        if (Starts(header, [0xfd, (byte)'7', (byte)'z', (byte)'X', (byte)'Z', 0x00]))
        {
            return "it looks like an xz stream (decompress it first)";
        }

        if (header.StartsWith("BZh"u8))
        {
            return "it looks like a bzip2 stream (decompress it first)";
        }

        if (Starts(header, [0x04, 0x22, 0x4d, 0x18]))
        {
            return "it looks like an lz4 frame (decompress it first)";
        }

        if (Starts(header, [0x45, 0x3d, 0xcd, 0x28]) || Starts(header, [0x28, 0xcd, 0x3d, 0x45]))
        {
            return "it looks like a cramfs image";
        }

        if (Starts(header, [0x7f, (byte)'E', (byte)'L', (byte)'F']))
        {
            return "it looks like an ELF executable";
        }

        if (header.StartsWith("PK\u0003\u0004"u8))
        {
            return "it looks like a zip archive";
        }

        if (Starts(header, [(byte)'Q', (byte)'F', (byte)'I', 0xfb]))
        {
            return "it looks like a qcow2 disk image";
        }

        if (header.StartsWith("XFSB"u8))
        {
            return "it looks like an XFS file system";
        }

        // Signatures further in: seen only when the caller passed more than the superblock.
        if (header.Length >= 1082 && header[1080] == 0x53 && header[1081] == 0xef)
        {
            return "it looks like an ext2/ext3/ext4 file system";
        }

        if (header.Length >= 1028 && BinaryPrimitives.ReadUInt32LittleEndian(header[1024..]) == 0xE0F5E1E2)
        {
            return "it looks like an EROFS file system";
        }

        if (header.Length >= 520 && header[512..].StartsWith("EFI PART"u8))
        {
            return "it looks like a whole disk with a GPT partition table";
        }

        if (header.Length >= 262 && header[257..].StartsWith("ustar"u8))
        {
            return "it looks like a tar archive";
        }

        if (header.Length >= 512 && header[510] == 0x55 && header[511] == 0xaa)
        {
            return "it looks like a disk or partition with a DOS boot sector";
        }

        // Last: many file systems (ext4, EROFS) leave their first KiB zero, so zeros alone say little until the
        // signatures further in have been ruled out.
        if (!header.ContainsAnyExcept((byte)0))
        {
            return "it holds only zeros (an empty, sparse or wiped file)";
        }

        return null;
    }
}
