using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using UserDisk.Scst.Interop;

namespace UserDisk.Scst.Tests;

/// <summary>
/// <see cref="ScstEventReader"/> against the emulator's /dev/scst_event (ABI-SCST-USER.md §9): devices registered
/// through the real <see cref="ScstUserDevice"/> arrive as REG_VIRT_DEV events. The emulator is process-wide and
/// other test classes register devices in parallel, so every test looks only for the names it registered.
/// The payload checks run on hand-built GET_NEXT_EVENT buffers, since the emulator only emits well-formed events.
/// </summary>
public sealed class ScstEventReaderTests
{
    private static readonly TimeSpan EventTimeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_registration_produces_one_event_with_the_device_name_within_a_second()
    {
        using var reader = OpenReader();
        await using var disk = new EmulatedDisk(register: false);

        var clock = Stopwatch.StartNew();
        disk.Device.Register(Emulator.Version);
        var received = await NextFor(reader, disk.Name);
        var latency = clock.Elapsed;
        disk.Device.Start();

        TestContext.Current.TestOutputHelper?.WriteLine($"registration -> event latency: {latency.TotalMicroseconds:F0} µs");
        Assert.Equal(disk.Name, received.DeviceName);
        Assert.True(latency < TimeSpan.FromSeconds(1), $"the event took {latency}");
        Assert.True((DateTimeOffset.UtcNow - received.ReceivedAt).Duration() < TimeSpan.FromSeconds(10));

        // Exactly one: a later registration's event comes after everything queued before it.
        await using var sentinel = new EmulatedDisk();
        var seen = await CollectUntil(reader, sentinel.Name);
        Assert.DoesNotContain(disk.Name, seen);
    }

    [Fact]
    public async Task Several_registrations_arrive_as_as_many_events_in_order()
    {
        using var reader = OpenReader();
        var disks = new List<EmulatedDisk>();
        try
        {
            for (int i = 0; i < 5; i++)
            {
                disks.Add(new EmulatedDisk());
            }

            var names = disks.ConvertAll(d => d.Name);
            var seen = await CollectUntil(reader, names[^1]);

            Assert.Equal(names, seen.Where(names.Contains));
        }
        finally
        {
            // Each device takes about a second to stop; stop them together.
            await Task.WhenAll(disks.Select(d => d.DisposeAsync().AsTask()));
        }
    }

    [Fact]
    public async Task A_reader_opened_after_a_registration_does_not_see_it()
    {
        await using var before = new EmulatedDisk();
        using var reader = OpenReader();
        await using var after = new EmulatedDisk();

        var seen = await CollectUntil(reader, after.Name);

        // Events are not persisted (§9.4): whoever listens later must scan sysfs.
        Assert.DoesNotContain(before.Name, seen);
        Assert.Single(seen, after.Name);
    }

    [Fact]
    public async Task Two_readers_each_get_their_own_copy()
    {
        using var first = OpenReader();
        using var second = OpenReader();
        await using var disk = new EmulatedDisk();

        Assert.Equal(disk.Name, (await NextFor(first, disk.Name)).DeviceName);
        Assert.Equal(disk.Name, (await NextFor(second, disk.Name)).DeviceName);
    }

    [Fact]
    public async Task Dispose_stops_the_loop_promptly_and_completes_the_channel()
    {
        var reader = OpenReader();
        Assert.True(reader.IsRunning);
        Assert.NotEqual(-1, reader.Fd);
        // Let the loop settle in poll.
        await Task.Delay(50, TestContext.Current.CancellationToken);

        var clock = Stopwatch.StartNew();
        reader.Dispose();
        var took = clock.Elapsed;

        TestContext.Current.TestOutputHelper?.WriteLine($"dispose took {took.TotalMilliseconds:F2} ms");
        Assert.True(took < TimeSpan.FromMilliseconds(500), $"dispose took {took}");
        Assert.False(reader.IsRunning);
        Assert.Equal(-1, reader.Fd);
        // Completion is reached once the items still queued (other tests' devices) have been read.
        await DrainToTheEnd(reader);

        Assert.True(reader.Registrations.Completion.IsCompletedSuccessfully);
        Assert.Throws<ObjectDisposedException>(reader.Open);
    }

    [Fact]
    public void A_missing_device_node_is_reported_with_the_path_and_what_to_load()
    {
        using var reader = new ScstEventReader(Emulator.Calls, NullLogger.Instance, "/dev/scst_event_missing");

        var error = Assert.Throws<ScstEventException>(reader.Open);

        Assert.Equal((int)Errno.ENOENT, error.ErrorNumber);
        Assert.Equal("/dev/scst_event_missing", error.DevicePath);
        Assert.Contains("/dev/scst_event_missing", error.Message, StringComparison.Ordinal);
        Assert.Contains("modprobe scst", error.Message, StringComparison.Ordinal);
        Assert.False(reader.IsRunning);
    }

    [Fact]
    public async Task A_buffer_too_small_for_the_event_grows_to_what_the_kernel_asks_and_the_event_still_arrives()
    {
        // max_event_size 62 < 64 + 60: GET_NEXT_EVENT answers ENOSPC with 124 and keeps the event queued (§9.1).
        using var reader = OpenReader(bufferSize: ScstEventReader.PayloadOffset);
        await using var disk = new EmulatedDisk();

        Assert.Equal(disk.Name, (await NextFor(reader, disk.Name)).DeviceName);
        Assert.Equal(128, reader.BufferSize);
    }

    [Fact]
    public async Task A_malformed_event_is_counted_and_skipped_and_the_next_one_still_arrives()
    {
        using var metrics = new ScstMetrics();
        long malformed = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument, metrics.Events))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "kind" && (string?)tag.Value == "malformed")
                {
                    Interlocked.Add(ref malformed, value);
                }
            }
        });
        listener.Start();

        using var reader = OpenReader(FaultInjector.Calls, metrics);
        await using var spoiled = new EmulatedDisk(register: false);
        FaultInjector.SpoilName(spoiled.Name);
        try
        {
            spoiled.Device.Register(Emulator.Version);
            spoiled.Device.Start();
            await using var good = new EmulatedDisk();

            var seen = await CollectUntil(reader, good.Name);

            Assert.DoesNotContain(spoiled.Name, seen);
            Assert.DoesNotContain(seen, n => n.Contains('/', StringComparison.Ordinal));
            Assert.Equal(1, Interlocked.Read(ref malformed));
            Assert.True(reader.IsRunning);
        }
        finally
        {
            FaultInjector.SpoilName(null);
        }
    }

    [Theory]
    [InlineData(Libc.POLLERR)]
    [InlineData(Libc.POLLHUP)]
    [InlineData(Libc.POLLNVAL)]
    public async Task A_failing_event_fd_completes_the_channel_with_an_exception_saying_why(short pollEvents)
    {
        var reader = new ScstEventReader(FaultInjector.Calls, NullLogger.Instance);
        FaultInjector.FailPoll(pollEvents);
        try
        {
            reader.Open();
            var error = await Assert.ThrowsAsync<ScstEventException>(() => DrainToTheEnd(reader));
            Assert.Contains(pollEvents switch { Libc.POLLERR => "POLLERR", Libc.POLLHUP => "POLLHUP", _ => "POLLNVAL" }, error.Message, StringComparison.Ordinal);
            Assert.Contains(ScstEventReader.DefaultDevicePath, error.Message, StringComparison.Ordinal);
            await WaitUntil(() => !reader.IsRunning);
        }
        finally
        {
            FaultInjector.FailPoll(0);
            reader.Dispose();
        }

        if (pollEvents == Libc.POLLNVAL)
        {
            // POLLNVAL means the descriptor is gone, so the reader must not close its number again (it may have
            // been reused); here it is still the emulator's, and the test closes it.
            Assert.Equal(0, Emulator.Close(FaultInjector.FaultedFd));
        }
    }

    [Fact]
    public void A_well_formed_registration_payload_at_byte_66_gives_the_name()
    {
        byte[] buffer = EventBuffer(name: "disk_01"u8);

        Assert.True(ScstEventReader.TryParseRegistration(buffer, out var name, out var problem), problem);
        Assert.Equal("disk_01", name);
        Assert.Equal(66, ScstEventReader.PayloadOffset);
    }

    [Fact]
    public void A_name_of_59_characters_filling_the_payload_is_accepted()
    {
        string longest = new('n', 59);

        Assert.True(ScstEventReader.TryParseRegistration(EventBuffer(name: Encoding.ASCII.GetBytes(longest)), out var name, out var problem), problem);
        Assert.Equal(longest, name);
    }

    [Fact]
    public void A_payload_shorter_than_60_bytes_with_a_terminated_name_is_accepted()
    {
        Assert.True(ScstEventReader.TryParseRegistration(EventBuffer(payloadLength: 4, name: "abc"u8), out var name, out var problem), problem);
        Assert.Equal("abc", name);
    }

    [Fact]
    public void Another_event_code_is_not_a_registration()
    {
        Assert.False(ScstEventReader.TryParseRegistration(EventBuffer(code: (uint)ScstEventCode.LunNotFound, name: "disk"u8), out var name, out var problem));
        Assert.Null(name);
        Assert.Contains("event code 1 (LunNotFound)", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Payload_length_zero_is_malformed()
    {
        AssertMalformed(EventBuffer(payloadLength: 0), "payload_len 0");
    }

    [Fact]
    public void Negative_payload_length_is_malformed()
    {
        AssertMalformed(EventBuffer(payloadLength: -5), "payload_len -5");
    }

    [Fact]
    public void A_name_without_NUL_within_the_payload_is_malformed()
    {
        AssertMalformed(EventBuffer(payloadLength: 8, name: "abcdefghijk"u8), "not NUL-terminated");
    }

    [Fact]
    public void A_60_byte_payload_without_NUL_is_malformed()
    {
        AssertMalformed(EventBuffer(name: Encoding.ASCII.GetBytes(new string('x', 60))), "not NUL-terminated");
    }

    [Fact]
    public void A_name_with_a_slash_is_malformed()
    {
        AssertMalformed(EventBuffer(name: "../etc"u8), "contains '/'");
    }

    [Fact]
    public void A_name_with_non_ASCII_bytes_is_malformed()
    {
        AssertMalformed(EventBuffer(name: "disk\u00e9"u8), "not printable ASCII");
    }

    [Fact]
    public void A_name_with_a_control_character_is_malformed()
    {
        AssertMalformed(EventBuffer(name: "disk\n1"u8), "byte 0x0a");
    }

    [Fact]
    public void An_empty_name_is_malformed()
    {
        AssertMalformed(EventBuffer(name: ""u8), "empty");
    }

    [Fact]
    public void A_payload_length_beyond_the_buffer_is_malformed()
    {
        // 100-byte buffer: 34 payload bytes; payload_len says 60.
        AssertMalformed(EventBuffer(name: "disk"u8, size: 100), "runs past the 34 payload bytes");
    }

    [Fact]
    public void A_payload_longer_than_the_registration_payload_is_malformed()
    {
        AssertMalformed(EventBuffer(payloadLength: 61, name: "disk"u8), "more than the 60 bytes");
    }

    [Fact]
    public void An_issuer_other_than_the_SCST_core_is_rejected()
    {
        Assert.False(ScstEventReader.TryParseRegistration(EventBuffer(name: "disk"u8, issuer: "someone else"), out _, out var problem));
        Assert.Contains("issuer 'someone else'", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_buffer_shorter_than_the_header_is_rejected()
    {
        Assert.False(ScstEventReader.TryParseRegistration(new byte[40], out _, out var problem));
        Assert.Contains("40 bytes", problem, StringComparison.Ordinal);
    }

    private static void AssertMalformed(byte[] buffer, string expected)
    {
        Assert.False(ScstEventReader.TryParseRegistration(buffer, out var name, out var problem));
        Assert.Null(name);
        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }

    /// <summary>
    /// A GET_NEXT_EVENT buffer as the kernel leaves it (§9.2): max_event_size at 0, scst_event at 4 (payload_len,
    /// event_code, event_id, issuer_name[50]) and the payload at 66.
    /// </summary>
    private static byte[] EventBuffer(uint code = 6, int payloadLength = 60, ReadOnlySpan<byte> name = default, string issuer = "SCST core", int size = 4096)
    {
        byte[] buffer = new byte[size];
        BitConverter.TryWriteBytes(buffer.AsSpan(0), size - 4);
        BitConverter.TryWriteBytes(buffer.AsSpan(4), payloadLength);
        BitConverter.TryWriteBytes(buffer.AsSpan(8), code);
        Encoding.ASCII.GetBytes(issuer, buffer.AsSpan(16, 49));
        name[..Math.Min(name.Length, size - 66)].CopyTo(buffer.AsSpan(66));
        return buffer;
    }

    private static ScstEventReader OpenReader(ScstDeviceCalls? calls = null, ScstMetrics? metrics = null, int bufferSize = ScstEventReader.DefaultBufferSize)
    {
        var reader = new ScstEventReader(calls ?? Emulator.Calls, NullLogger.Instance, metrics: metrics, bufferSize: bufferSize);
        reader.Open();
        return reader;
    }

    /// <summary>The next event for <paramref name="name"/>, skipping devices other tests register meanwhile.</summary>
    private static async Task<ScstRegistrationEvent> NextFor(ScstEventReader reader, string name)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(EventTimeout);
        while (true)
        {
            var received = await reader.Registrations.ReadAsync(timeout.Token);
            if (received.DeviceName == name)
            {
                return received;
            }
        }
    }

    /// <summary>Every name received up to and including <paramref name="last"/>.</summary>
    private static async Task<List<string>> CollectUntil(ScstEventReader reader, string last)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(EventTimeout);
        var names = new List<string>();
        while (true)
        {
            var received = await reader.Registrations.ReadAsync(timeout.Token);
            names.Add(received.DeviceName);
            if (received.DeviceName == last)
            {
                return names;
            }
        }
    }

    /// <summary>Reads whatever is queued (other tests' devices) until the channel completes, or throws its error.</summary>
    private static async Task DrainToTheEnd(ScstEventReader reader)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(EventTimeout);
        await foreach (var _ in reader.Registrations.ReadAllAsync(timeout.Token))
        {
        }
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + EventTimeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met in time");
            await Task.Delay(5, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>
    /// Forwards to the emulator, except that poll can be made to report an error on the event fd, and the
    /// GET_NEXT_EVENT result for one device name can be spoiled (a '/' written over its first character).
    /// Only this class uses it, and a class's tests run one at a time.
    /// </summary>
    private static unsafe class FaultInjector
    {
        private static readonly delegate* unmanaged<int, nuint, void*, int> EmulatorIoctl;
        private static readonly delegate* unmanaged<PollFd*, nuint, int, int> EmulatorPoll;
        private static short s_pollFault;
        private static int s_faultedFd = -1;
        private static byte[]? s_spoiled;

        static FaultInjector()
        {
            _ = Emulator.Version;
            var library = NativeLibrary.Load(NativeShim.LibraryPath);
            EmulatorIoctl = (delegate* unmanaged<int, nuint, void*, int>)NativeLibrary.GetExport(library, "userdisk_emu_ioctl");
            EmulatorPoll = (delegate* unmanaged<PollFd*, nuint, int, int>)NativeLibrary.GetExport(library, "userdisk_emu_poll");
            Calls = ScstDeviceCalls.Create(
                "fault injector",
                NativeLibrary.GetExport(library, "userdisk_emu_open"),
                (nint)(delegate* unmanaged<int, nuint, void*, int>)&Ioctl,
                (nint)(delegate* unmanaged<PollFd*, nuint, int, int>)&Poll,
                NativeLibrary.GetExport(library, "userdisk_emu_close"),
                isEmulator: true);
        }

        public static ScstDeviceCalls Calls { get; }

        /// <summary>The descriptor the last injected poll fault was reported on.</summary>
        public static int FaultedFd => Volatile.Read(ref s_faultedFd);

        public static void FailPoll(short events) => Volatile.Write(ref s_pollFault, events);

        public static void SpoilName(string? name) => Volatile.Write(ref s_spoiled, name is null ? null : Encoding.ASCII.GetBytes(name + "\0"));

        [UnmanagedCallersOnly]
        private static int Ioctl(int fd, nuint request, void* argument)
        {
            int result = EmulatorIoctl(fd, request, argument);
            int errno = Marshal.GetLastSystemError();
            byte[]? spoiled = Volatile.Read(ref s_spoiled);
            if (result == 0 && request == ScstEventIoctl.GetNextEvent && spoiled is not null)
            {
                var payload = new Span<byte>((byte*)argument + ScstEventReader.PayloadOffset, spoiled.Length);
                if (payload.SequenceEqual(spoiled))
                {
                    payload[0] = (byte)'/';
                }
            }

            Marshal.SetLastSystemError(errno);
            return result;
        }

        [UnmanagedCallersOnly]
        private static int Poll(PollFd* fds, nuint count, int timeoutMilliseconds)
        {
            short fault = Volatile.Read(ref s_pollFault);
            if (fault != 0 && count > 0)
            {
                for (nuint i = 0; i < count; i++)
                {
                    fds[i].ReturnedEvents = 0;
                }

                fds[0].ReturnedEvents = fault;
                Volatile.Write(ref s_faultedFd, fds[0].Fd);
                return 1;
            }

            return EmulatorPoll(fds, count, timeoutMilliseconds);
        }
    }
}
