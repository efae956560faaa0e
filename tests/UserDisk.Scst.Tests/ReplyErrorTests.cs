using System.Runtime.InteropServices;
using UserDisk.Scst.Interop;

namespace UserDisk.Scst.Tests;

/// <summary>
/// A reply the kernel refuses (§8.4): the worker must drop exactly that reply, resend the ones after it, and keep
/// serving. A fault injector between the worker and the emulator corrupts one EXEC reply's handle in a batch.
/// </summary>
public sealed class ReplyErrorTests
{
    [Fact]
    public async Task A_refused_reply_in_a_batch_is_dropped_and_the_rest_are_resent()
    {
        var store = new ControlledBackstore("refused", 64L << 20);
        var disk = new EmulatedDisk(store, new ScstDeviceOptions { Name = "x", WorkerThreads = 1, DrainTimeout = TimeSpan.FromMilliseconds(100) }, calls: FaultInjector.Calls) { ExpectViolations = true };
        ulong session = disk.Attach();
        const int count = 8;
        uint corrupted = 0;
        for (int round = 0; round < 20 && corrupted == 0; round++)
        {
            store.CloseGate();
            using var commands = new NativeCommands(count, 4096);
            for (int i = 0; i < count; i++)
            {
                commands.SubmitRead(i, session, (uint)(i * 8));
            }

            await ScstUserDeviceTests.WaitUntil(() => store.Waiting == count);
            FaultInjector.Arm();
            store.OpenGate();

            var stuck = new List<int>();
            for (int i = 0; i < count; i++)
            {
                int result = commands.Wait(i, 2000);
                if (result == 0)
                {
                    Assert.Equal(0, commands[i].Status);
                }
                else
                {
                    stuck.Add(i);
                }
            }

            corrupted = FaultInjector.Disarm();
            // Only the command whose reply was refused is left without an answer; the kernel fails it at close.
            Assert.Equal(corrupted == 0 ? 0 : 1, stuck.Count);
            if (stuck.Count == 1)
            {
                var stats = disk.Stats.Raw;
                Assert.Equal(1ul, stats.UnknownHandleReplies);
                await disk.Device.StopAsync(TestContext.Current.CancellationToken);
                Assert.Equal(0, commands.Wait(stuck[0], 10_000));
                Assert.Equal(((byte)5, (byte)0x25, (byte)0), commands[stuck[0]].SenseTriple());
            }
        }

        Assert.NotEqual(0u, corrupted);
        await disk.DisposeAsync();
    }

    /// <summary>Forwards to the emulator; when armed, flips a bit in the handle of the first EXEC reply of a batch of two or more.</summary>
    private static unsafe class FaultInjector
    {
        private static readonly delegate* unmanaged<int, nuint, void*, int> EmulatorIoctl;
        private static int s_armed;
        private static uint s_corrupted;

        static FaultInjector()
        {
            _ = Emulator.Version;
            var library = NativeLibrary.Load(NativeShim.LibraryPath);
            EmulatorIoctl = (delegate* unmanaged<int, nuint, void*, int>)NativeLibrary.GetExport(library, "userdisk_emu_ioctl");
            Calls = ScstDeviceCalls.Create(
                "fault injector",
                NativeLibrary.GetExport(library, "userdisk_emu_open"),
                (nint)(delegate* unmanaged<int, nuint, void*, int>)&Ioctl,
                NativeLibrary.GetExport(library, "userdisk_emu_poll"),
                NativeLibrary.GetExport(library, "userdisk_emu_close"),
                isEmulator: true);
        }

        public static ScstDeviceCalls Calls { get; }

        public static void Arm()
        {
            Volatile.Write(ref s_corrupted, 0);
            Volatile.Write(ref s_armed, 1);
        }

        public static uint Disarm()
        {
            Volatile.Write(ref s_armed, 0);
            return Volatile.Read(ref s_corrupted);
        }

        [UnmanagedCallersOnly]
        private static int Ioctl(int fd, nuint request, void* argument)
        {
            if (request == ScstUserIoctl.ReplyAndGetMulti && Volatile.Read(ref s_armed) == 1)
            {
                var multi = (ScstUserGetMulti*)argument;
                var replies = (ScstUserReplyCommand*)multi->Replies;
                if (multi->RepliesCount >= 2 && (replies[0].Subcode & 0xFF) == (byte)ScstUserCommandState.Executing
                    && Interlocked.CompareExchange(ref s_armed, 0, 1) == 1)
                {
                    Volatile.Write(ref s_corrupted, replies[0].CommandHandle | 0x8000_0000u);
                    replies[0].CommandHandle ^= 0x4000_0000u;
                }
            }

            int result = EmulatorIoctl(fd, request, argument);
            int errno = Marshal.GetLastSystemError();
            Marshal.SetLastSystemError(errno);
            return result;
        }
    }
}
