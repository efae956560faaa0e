using System.Runtime.InteropServices;
using UserDisk.Scst.Interop;

namespace UserDisk.Scst.Tests;

/// <summary>
/// Emulator commands and their data in native memory, so async tests can keep commands in flight across awaits
/// (the emulator holds the pointers until each command ends).
/// </summary>
internal sealed unsafe class NativeCommands : IDisposable
{
    private readonly ScstEmulatorCommand* _commands;
    private readonly byte* _data;
    private readonly int _bytesEach;
    private readonly long[] _tags;

    public NativeCommands(int count, int bytesEach)
    {
        Count = count;
        _bytesEach = bytesEach;
        _commands = (ScstEmulatorCommand*)NativeMemory.AllocZeroed((nuint)(count * sizeof(ScstEmulatorCommand)));
        _data = (byte*)NativeMemory.AllocZeroed((nuint)Math.Max(1, count * bytesEach));
        _tags = new long[count];
    }

    public int Count { get; }

    public ref ScstEmulatorCommand this[int index] => ref _commands[index];

    public long Tag(int index) => _tags[index];

    public Span<byte> Data(int index) => new(_data + (index * _bytesEach), _bytesEach);

    /// <summary>Submits READ(10) of this command's data size at <paramref name="lba"/>.</summary>
    public long SubmitRead(int index, ulong session, uint lba)
    {
        var command = _commands + index;
        command->SetCdb(EmulatedDisk.Cdb10(0x28, lba, (ushort)(_bytesEach / 512)));
        command->QueueType = 1;
        command->DataDirection = Direction.Read;
        command->BufferLength = _bytesEach;
        command->DataIn = _data + (index * _bytesEach);
        long tag = Emulator.Submit(session, command);
        Assert.True(tag > 0, $"submit returned {tag}");
        _tags[index] = tag;
        return tag;
    }

    public int Wait(int index, int timeoutMs) => Emulator.Wait(_tags[index], timeoutMs);

    public void Dispose()
    {
        NativeMemory.Free(_commands);
        NativeMemory.Free(_data);
    }
}
