using System.Buffers;
using System.Runtime.InteropServices;

namespace UserDisk.Storage.Tests;

/// <summary>Native memory on a chosen boundary, as a front end's data buffers are: what O_DIRECT needs.</summary>
internal sealed unsafe class AlignedBuffer : MemoryManager<byte>
{
    private readonly int _length;
    private byte* _pointer;

    public AlignedBuffer(int length, int alignment = 4096)
    {
        _length = length;
        _pointer = (byte*)NativeMemory.AlignedAlloc((nuint)length, (nuint)alignment);
        NativeMemory.Clear(_pointer, (nuint)length);
    }

    public nuint Address => (nuint)_pointer;

    public override Span<byte> GetSpan()
    {
        ObjectDisposedException.ThrowIf(_pointer == null, this);
        return new Span<byte>(_pointer, _length);
    }

    // Native memory never moves: pinning is just handing out the address.
    public override MemoryHandle Pin(int elementIndex = 0)
    {
        ObjectDisposedException.ThrowIf(_pointer == null, this);
        return new MemoryHandle(_pointer + elementIndex);
    }

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
        if (_pointer != null)
        {
            NativeMemory.AlignedFree(_pointer);
            _pointer = null;
        }
    }
}
