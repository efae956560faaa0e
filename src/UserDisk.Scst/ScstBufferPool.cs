using System.Collections.Concurrent;
using UserDisk.Scst.Interop;

namespace UserDisk.Scst;

/// <summary>
/// Page-aligned, <c>MADV_DONTFORK</c> data buffers for one device, in SGV's power-of-two size classes
/// (ABI-SCST-USER.md §7.7, §8.6). Each buffer is its own anonymous mapping: the kernel pins exactly it, a freed one
/// really leaves the address space (so a use after free is a fault, not silent corruption), and DONTFORK applies to
/// it alone. Buffers come back only when the kernel says so (ON_CACHED_MEM_FREE, or ON_FREE_CMD with
/// buffer_cached = 0); with memory reuse ALL the kernel's cache keeps them, so in steady state nothing is mapped or
/// unmapped per command. A small free list per class absorbs churn (FLUSH_CACHE, purges) without syscalls.
/// </summary>
internal sealed unsafe class ScstBufferPool : IDisposable
{
    /// <summary>4 KiB pages: scst_user's SGV allocator works in PAGE_SIZE units, and x86_64/arm64 Linux use 4 KiB here.</summary>
    public const int PageSize = 4096;

    /// <summary>SGV caches buffers of 2^0..2^10 pages (4 KiB to 4 MiB).</summary>
    public const int CachedClasses = 11;

    private readonly ConcurrentDictionary<ulong, ScstBuffer> _byAddress = new();
    private readonly Stack<ScstBuffer>[] _free = new Stack<ScstBuffer>[CachedClasses];
    private readonly Lock _lock = new();
    private readonly int _freeListLimit;
    private long _bytesMapped;
    private long _bytesWithKernel;
    private bool _disposed;

    /// <param name="freeListLimit">Idle buffers kept per size class after the kernel gave them back.</param>
    public ScstBufferPool(int freeListLimit = 16)
    {
        _freeListLimit = freeListLimit;
        for (int i = 0; i < CachedClasses; i++)
        {
            _free[i] = new Stack<ScstBuffer>();
        }
    }

    /// <summary>Bytes mapped now (in the pool and with the kernel).</summary>
    public long BytesMapped => Interlocked.Read(ref _bytesMapped);

    /// <summary>Bytes the kernel holds now.</summary>
    public long BytesWithKernel => Interlocked.Read(ref _bytesWithKernel);

    /// <summary>Buffers the pool knows (with the kernel or free).</summary>
    public int Count => _byAddress.Count;

    /// <summary>
    /// A buffer of at least <paramref name="length"/> bytes, rounded up to a power-of-two number of pages up to
    /// 4 MiB (what SGV asks for, so it fits the class the kernel will cache it in) and to whole pages beyond.
    /// Null when the memory cannot be mapped (the caller answers BUSY / TASK SET FULL, never crashes).
    /// </summary>
    public ScstBuffer? Rent(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        int pages = (int)(((long)length + PageSize - 1) / PageSize);
        int sizeClass = SizeClassOf(pages);
        if (sizeClass >= 0)
        {
            pages = 1 << sizeClass;
            lock (_lock)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                if (_free[sizeClass].TryPop(out var reused))
                {
                    reused.State = ScstBufferState.Free;
                    return reused;
                }
            }
        }

        long bytes = (long)pages * PageSize;
        if (bytes > int.MaxValue)
        {
            return null;
        }

        void* address = Libc.MMap(null, (nuint)bytes, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS, -1, 0);
        if (address == Libc.MapFailed)
        {
            return null;
        }

        // §8.6: pinned pages can lose their link with the parent after fork; the spec requires DONTFORK.
        _ = Libc.MAdvise(address, (nuint)bytes, Libc.MADV_DONTFORK);
        var buffer = new ScstBuffer((byte*)address, (int)bytes, sizeClass);
        _byAddress[buffer.Address] = buffer;
        Interlocked.Add(ref _bytesMapped, bytes);
        return buffer;
    }

    /// <summary>The buffer at a pbuf the kernel sent, or null if it is not one of ours.</summary>
    public ScstBuffer? Find(ulong address) => _byAddress.TryGetValue(address, out var buffer) ? buffer : null;

    /// <summary>The buffer now belongs to the kernel until it frees it.</summary>
    public void HandToKernel(ScstBuffer buffer)
    {
        lock (_lock)
        {
            if (buffer.State != ScstBufferState.WithKernel)
            {
                buffer.State = ScstBufferState.WithKernel;
                Interlocked.Add(ref _bytesWithKernel, buffer.Length);
            }
        }
    }

    /// <summary>
    /// The kernel freed the buffer (or it never took it): back to the free list, or unmapped when the list is full or
    /// the buffer is larger than SGV caches.
    /// </summary>
    public void Return(ScstBuffer buffer)
    {
        lock (_lock)
        {
            if (buffer.State == ScstBufferState.Released)
            {
                return;
            }

            if (buffer.State == ScstBufferState.WithKernel)
            {
                Interlocked.Add(ref _bytesWithKernel, -buffer.Length);
            }

            buffer.State = ScstBufferState.Free;
            if (!_disposed && buffer.SizeClass >= 0 && _free[buffer.SizeClass].Count < _freeListLimit)
            {
                _free[buffer.SizeClass].Push(buffer);
                return;
            }

            Unmap(buffer);
        }
    }

    /// <summary>Returns the buffer at <paramref name="address"/>; false if the pool does not know it.</summary>
    public bool Return(ulong address)
    {
        var buffer = Find(address);
        if (buffer is null)
        {
            return false;
        }

        Return(buffer);
        return true;
    }

    /// <summary>The SGV size class (log2 pages) for a page count, or -1 above 1024 pages.</summary>
    public static int SizeClassOf(int pages)
    {
        if (pages > 1 << (CachedClasses - 1))
        {
            return -1;
        }

        return pages <= 1 ? 0 : 32 - System.Numerics.BitOperations.LeadingZeroCount((uint)(pages - 1));
    }

    /// <summary>Unmaps every buffer. Call only after the device fd is closed: until then the kernel may hold them.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            foreach (var buffer in _byAddress.Values)
            {
                Unmap(buffer);
            }

            foreach (var list in _free)
            {
                list.Clear();
            }
        }
    }

    private void Unmap(ScstBuffer buffer)
    {
        if (buffer.State == ScstBufferState.WithKernel)
        {
            Interlocked.Add(ref _bytesWithKernel, -buffer.Length);
        }

        buffer.State = ScstBufferState.Released;
        _byAddress.TryRemove(buffer.Address, out _);
        _ = Libc.MUnmap(buffer.Pointer, (nuint)buffer.Length);
        Interlocked.Add(ref _bytesMapped, -buffer.Length);
    }
}
