using System.Buffers;

namespace UserDisk.Scst;

/// <summary>
/// One page-aligned native data buffer that the kernel pins and hands to the target driver (zero copy,
/// ABI-SCST-USER.md §8.6). It lives at one address for its whole life, so the kernel can hand it back in later EXECs
/// (the SGV cache) and the engine can see it as <see cref="Memory{T}"/> without a copy or an allocation per command.
/// </summary>
internal sealed unsafe class ScstBuffer : MemoryManager<byte>
{
    internal ScstBuffer(byte* address, int length, int sizeClass)
    {
        Pointer = address;
        Length = length;
        SizeClass = sizeClass;
    }

    /// <summary>The first byte; page aligned.</summary>
    public byte* Pointer { get; }

    /// <summary>The address as the kernel sees it (the pbuf fields).</summary>
    public ulong Address => (ulong)Pointer;

    /// <summary>Bytes mapped: a whole number of pages.</summary>
    public int Length { get; }

    /// <summary>log2 of the page count for buffers the pool keeps (SGV's size classes 0..10), -1 for larger ones.</summary>
    public int SizeClass { get; }

    /// <summary>Where the buffer is now; changed only by the pool, under its lock.</summary>
    public ScstBufferState State { get; internal set; }

    /// <summary>The first <paramref name="length"/> bytes as engine memory (no allocation).</summary>
    public Memory<byte> Slice(int length) => Memory[..length];

    public override Span<byte> GetSpan() => new(Pointer, Length);

    public override MemoryHandle Pin(int elementIndex = 0) => new(Pointer + elementIndex);

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
        // The pool unmaps; a MemoryManager's Dispose is never the owner here.
    }

    public override string ToString() => $"0x{Address:x} ({Length} bytes, {State})";
}

/// <summary>Where an <see cref="ScstBuffer"/> is.</summary>
internal enum ScstBufferState
{
    /// <summary>In the pool's free list: ours, not known to the kernel.</summary>
    Free,

    /// <summary>Given to the kernel (ALLOC_MEM or EXEC reply, PREALLOC_BUFFER): it may use it until it frees it.</summary>
    WithKernel,

    /// <summary>Unmapped.</summary>
    Released,
}
