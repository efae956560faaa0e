using System.Runtime.InteropServices;

namespace UserDisk.Storage;

/// <summary>
/// Native buffers of one size on one boundary, for O_DIRECT I/O from a caller whose own buffer is not aligned.
/// A few are kept in slots for reuse, so a steady stream of bounced I/O allocates nothing; a caller that finds
/// every slot empty gets a new buffer, and a returned buffer that finds every slot full is freed.
/// </summary>
/// <remarks>
/// Lock-free: a bounced I/O is on the data path, and a lock would make concurrent commands on one store queue
/// behind each other for what is only a pointer swap. Buffers are allocated on first use, so a store whose
/// front end hands out aligned buffers never pays for any.
/// </remarks>
internal sealed unsafe class AlignedBouncePool : IDisposable
{
    private readonly nint[] _slots;
    private readonly nuint _bufferSize;
    private readonly nuint _alignment;
    private volatile bool _disposed;

    public AlignedBouncePool(int bufferSize, int alignment, int slots)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bufferSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(slots);
        if (!int.IsPow2(alignment))
        {
            throw new ArgumentOutOfRangeException(nameof(alignment), alignment, "The alignment must be a power of two.");
        }

        _bufferSize = (nuint)bufferSize;
        _alignment = (nuint)alignment;
        _slots = new nint[slots];
    }

    public int BufferSize => (int)_bufferSize;

    /// <summary>How many buffers are waiting in the slots (for tests).</summary>
    internal int Pooled
    {
        get
        {
            int count = 0;
            foreach (ref readonly nint slot in _slots.AsSpan())
            {
                if (Volatile.Read(in slot) != 0)
                {
                    count++;
                }
            }

            return count;
        }
    }

    /// <summary>A buffer of <see cref="BufferSize"/> bytes, owned by the caller until it gives it to <see cref="Return"/>.</summary>
    public byte* Rent()
    {
        nint[] slots = _slots;
        for (int i = 0; i < slots.Length; i++)
        {
            nint buffer = Interlocked.Exchange(ref slots[i], 0);
            if (buffer != 0)
            {
                return (byte*)buffer;
            }
        }

        return (byte*)NativeMemory.AlignedAlloc(_bufferSize, _alignment);
    }

    public void Return(byte* buffer)
    {
        nint[] slots = _slots;
        for (int i = 0; i < slots.Length; i++)
        {
            if (Interlocked.CompareExchange(ref slots[i], (nint)buffer, 0) != 0)
            {
                continue;
            }

            // A Dispose running now may have swept this slot before the buffer landed in it. The exchange above is
            // a full fence, so either this read sees the flag or Dispose's sweep (after its own write of the flag)
            // sees the buffer; both may, and then whichever exchange takes the buffer out frees it, exactly once.
            if (_disposed)
            {
                FreeSlot(ref slots[i]);
            }

            return;
        }

        NativeMemory.AlignedFree(buffer);
    }

    /// <summary>
    /// Frees the pooled buffers. Buffers rented now are not touched: their renters free them when they return
    /// them, so an I/O still in flight never has its buffer pulled from under it.
    /// </summary>
    public void Dispose()
    {
        _disposed = true;
        nint[] slots = _slots;
        for (int i = 0; i < slots.Length; i++)
        {
            FreeSlot(ref slots[i]);
        }
    }

    private static void FreeSlot(ref nint slot)
    {
        nint buffer = Interlocked.Exchange(ref slot, 0);
        if (buffer != 0)
        {
            NativeMemory.AlignedFree((void*)buffer);
        }
    }
}
