using System.Runtime.InteropServices;

namespace UserDisk.Storage.Interop;

/// <summary>
/// <c>struct statx</c> from include/uapi/linux/stat.h. Unlike <c>struct stat</c>, its layout is the same on every
/// architecture, which is why the backstores use <c>statx</c> rather than <c>fstat</c>. The kernel writes 256 bytes.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 256)]
internal struct Statx
{
    /// <summary>Which fields the kernel filled in (STATX_* bits).</summary>
    [FieldOffset(0x00)]
    public uint Mask;

    [FieldOffset(0x04)]
    public uint BlockSize;

    /// <summary>File type and permission bits (S_IFMT etc.).</summary>
    [FieldOffset(0x1c)]
    public ushort Mode;

    [FieldOffset(0x20)]
    public ulong Inode;

    [FieldOffset(0x28)]
    public ulong Size;

    [FieldOffset(0x30)]
    public ulong Blocks;

    [FieldOffset(0x80)]
    public uint RdevMajor;

    [FieldOffset(0x84)]
    public uint RdevMinor;

    [FieldOffset(0x88)]
    public uint DevMajor;

    [FieldOffset(0x8c)]
    public uint DevMinor;

    /// <summary>Required alignment of user buffers for O_DIRECT (STATX_DIOALIGN, Linux 6.1+); 0 when unsupported.</summary>
    [FieldOffset(0x98)]
    public uint DioMemAlign;

    /// <summary>Required alignment of file offsets and lengths for O_DIRECT (STATX_DIOALIGN); 0 when unsupported.</summary>
    [FieldOffset(0x9c)]
    public uint DioOffsetAlign;
}
