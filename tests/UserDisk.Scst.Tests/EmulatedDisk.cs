using Microsoft.Extensions.Logging.Abstractions;
using UserDisk.Scsi;
using UserDisk.Scst.Interop;
using UserDisk.Storage;

namespace UserDisk.Scst.Tests;

/// <summary>
/// A real <see cref="ScstUserDevice"/> over an engine unit, registered with the emulator under a name unique to the
/// test, plus helpers that act as the initiator. Disposing stops the device and asserts the emulator counted no
/// protocol violation.
/// </summary>
internal sealed class EmulatedDisk : IAsyncDisposable
{
    private static int s_next;

    public EmulatedDisk(IBackstore? backstore = null, ScstDeviceOptions? options = null, string? name = null, bool register = true, Interop.ScstDeviceCalls? calls = null)
    {
        Name = name ?? $"t{Environment.ProcessId % 1000}_{Interlocked.Increment(ref s_next)}_{Random.Shared.Next(1000)}";
        Backstore = backstore ?? new MemoryBackstore(Name, 64L << 20, 512);
        Unit = new LogicalUnit(Backstore, new LogicalUnitOptions { ReservationsByEngine = false, UnitAttentionsByEngine = false });
        Options = options is null
            ? new ScstDeviceOptions { Name = Name }
            : new ScstDeviceOptions
            {
                Name = Name,
                WorkerThreads = options.WorkerThreads,
                CommandsPerCall = options.CommandsPerCall,
                NotifyOnFree = options.NotifyOnFree,
                PreallocateBuffers = options.PreallocateBuffers,
                PreallocateBufferBytes = options.PreallocateBufferBytes,
                DrainTimeout = options.DrainTimeout,
            };
        Device = new ScstUserDevice(Options, Unit, calls ?? Emulator.Calls, NullLogger.Instance);
        if (register)
        {
            Device.Register(Emulator.Version);
            Device.Start();
        }
    }

    public string Name { get; }

    public IBackstore Backstore { get; }

    public LogicalUnit Unit { get; }

    public ScstDeviceOptions Options { get; }

    public ScstUserDevice Device { get; }

    public bool ExpectViolations { get; set; }

    public ulong Attach(ulong lun = 0, string initiator = "iqn.2026-11.test:initiator") => Emulator.Attach(Name, lun, initiator);

    public ScstEmulatorStats Stats => Emulator.Stats(Name);

    /// <summary>Runs one command to completion and returns it.</summary>
    public static unsafe ScstEmulatorCommand Run(ulong session, ReadOnlySpan<byte> cdb, byte direction, Span<byte> data, int timeoutMs = 10_000)
    {
        ScstEmulatorCommand command = default;
        command.SetCdb(cdb);
        command.QueueType = 1;
        command.DataDirection = direction;
        command.BufferLength = data.Length;
        fixed (byte* p = data)
        {
            if (direction == Scst.Interop.ScstDataDirection.Write.AsByte())
            {
                command.DataOut = p;
            }
            else if (direction == Scst.Interop.ScstDataDirection.Read.AsByte())
            {
                command.DataIn = p;
            }

            int result = Emulator.Execute(session, &command, timeoutMs);
            Assert.True(result == 0, $"execute returned {result}");
        }

        return command;
    }

    public static ScstEmulatorCommand Write10(ulong session, uint lba, ReadOnlySpan<byte> data, int blockSize = 512)
    {
        byte[] copy = data.ToArray();
        return Run(session, Cdb10(0x2A, lba, (ushort)(data.Length / blockSize)), Direction.Write, copy);
    }

    public static ScstEmulatorCommand Read10(ulong session, uint lba, Span<byte> into, int blockSize = 512) =>
        Run(session, Cdb10(0x28, lba, (ushort)(into.Length / blockSize)), Direction.Read, into);

    public static byte[] Cdb10(byte opcode, uint lba, ushort blocks) =>
        [opcode, 0, (byte)(lba >> 24), (byte)(lba >> 16), (byte)(lba >> 8), (byte)lba, 0, (byte)(blocks >> 8), (byte)blocks, 0];

    public static byte[] Cdb16(byte opcode, ulong lba, uint blocks)
    {
        var cdb = new byte[16];
        cdb[0] = opcode;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(cdb.AsSpan(2), lba);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(cdb.AsSpan(10), blocks);
        return cdb;
    }

    /// <summary>Waits until the emulator says the handler holds no command (replies are asynchronous to the initiator).</summary>
    public void WaitIdle(int timeoutMs = 10_000)
    {
        var deadline = Environment.TickCount64 + timeoutMs;
        while (Environment.TickCount64 < deadline)
        {
            var s = Stats.Raw;
            if (s.CommandsCompleted == s.CommandsSubmitted && s.BuffersInUse == 0)
            {
                return;
            }

            Thread.Sleep(5);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Device.DisposeAsync();
        Backstore.Dispose();
        if (!ExpectViolations)
        {
            var stats = Emulator.Stats(Name);
            Assert.True(stats.Violations == 0, $"protocol violations on {Name}: {stats}");
        }
    }
}

internal static class Direction
{
    public const byte Write = 1;
    public const byte Read = 2;
    public const byte None = 4;

    public static byte AsByte(this Scst.Interop.ScstDataDirection direction) => (byte)direction;
}
