using System.Runtime.CompilerServices;

namespace UserDisk.Scst.Interop;

/// <summary>
/// The kernel's <c>_IOC(dir, type, nr, size)</c> encoding (include/uapi/asm-generic/ioctl.h, ABI-SCST-USER.md §4):
/// <c>dir &lt;&lt; 30 | size &lt;&lt; 16 | type &lt;&lt; 8 | nr</c>. The size is taken from the argument struct, so a
/// struct of the wrong size produces a request the kernel rejects instead of one that silently reads the wrong bytes.
/// </summary>
/// <remarks>
/// Values are 32-bit and unsigned; pass them to ioctl as <see cref="nuint"/>, which zero-extends (several codes have
/// bit 31 set, §16). The direction is seen from user space: Write = user to kernel.
/// </remarks>
internal static class IoctlCode
{
    private const int NumberShift = 0;
    private const int TypeShift = 8;
    private const int SizeShift = 16;
    private const int DirectionShift = 30;
    private const int SizeBits = 14;

    private const uint DirectionNone = 0;
    private const uint DirectionWrite = 1;
    private const uint DirectionRead = 2;

    /// <summary><c>_IO(type, nr)</c>: no argument.</summary>
    public static uint None(byte type, byte number) => Encode(DirectionNone, type, number, 0);

    /// <summary><c>_IOW(type, nr, T)</c>: the kernel reads a <typeparamref name="T"/>.</summary>
    public static uint Write<T>(byte type, byte number)
        where T : unmanaged => Encode(DirectionWrite, type, number, Unsafe.SizeOf<T>());

    /// <summary><c>_IOR(type, nr, T)</c>: the kernel writes a <typeparamref name="T"/>.</summary>
    public static uint Read<T>(byte type, byte number)
        where T : unmanaged => Encode(DirectionRead, type, number, Unsafe.SizeOf<T>());

    /// <summary><c>_IOWR(type, nr, T)</c>: both.</summary>
    public static uint ReadWrite<T>(byte type, byte number)
        where T : unmanaged => Encode(DirectionRead | DirectionWrite, type, number, Unsafe.SizeOf<T>());

    /// <summary><c>_IOC(dir, type, nr, size)</c>.</summary>
    public static uint Encode(uint direction, byte type, byte number, int size)
    {
        if (direction > 3)
        {
            throw new ArgumentOutOfRangeException(nameof(direction), direction, "an ioctl direction is 2 bits");
        }

        if (size < 0 || size >= 1 << SizeBits)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, "an ioctl argument size is 14 bits");
        }

        return (direction << DirectionShift) | ((uint)size << SizeShift) | ((uint)type << TypeShift) | ((uint)number << NumberShift);
    }

    /// <summary><c>_IOC_NR</c>: for a subcode, the internal ucmd state (§5).</summary>
    public static byte Number(uint code) => (byte)(code >> NumberShift);

    /// <summary><c>_IOC_SIZE</c>: for a subcode, the payload size.</summary>
    public static int Size(uint code) => (int)((code >> SizeShift) & ((1u << SizeBits) - 1));
}
