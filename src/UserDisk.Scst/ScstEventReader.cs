using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using UserDisk.Scst.Interop;

namespace UserDisk.Scst;

/// <summary>
/// Listens on /dev/scst_event for SCST_EVENT_REG_VIRT_DEV (ABI-SCST-USER.md §9) and hands each registered device's
/// name to <see cref="Registrations"/>. This is how a platform agent learns that an application (re)registered its
/// scst_user device and the LUNs must be added again (§9.4, §9.5).
/// </summary>
/// <remarks>
/// <para>
/// The fd is opened non-blocking and read by one dedicated thread that waits in poll on it and on an eventfd used
/// for shutdown, then drains GET_NEXT_EVENT until EAGAIN (§9.5); no thread-pool thread ever waits on the device.
/// The event buffer is native memory owned by that thread; it grows when the kernel answers ENOSPC with the size it
/// needs (the event stays queued, §9.1).
/// </para>
/// <para>
/// Events are not persisted (§9.4): only registrations after <see cref="Open"/> are seen, so an agent must also scan
/// sysfs once after opening. An event that cannot be used (another code, a bad payload) is logged, counted in
/// userdisk_scst_events{kind} and skipped. A failure of the fd itself (poll reports POLLERR/POLLHUP/POLLNVAL, an
/// ioctl fails with an unexpected errno) stops the reader and completes <see cref="Registrations"/> with an
/// <see cref="ScstEventException"/>: the owner decides whether to open a new reader.
/// </para>
/// </remarks>
public sealed unsafe partial class ScstEventReader : IDisposable
{
    /// <summary>SCST_EVENT_DEV (§2).</summary>
    public const string DefaultDevicePath = "/dev/scst_event";

    /// <summary>Enough for every current event (§9.2); the largest fixed payload is TM_FN_RECEIVED's 1064 bytes.</summary>
    internal const int DefaultBufferSize = 4096;

    /// <summary>offsetof(struct scst_event_user, out_event): the kernel writes the event after max_event_size.</summary>
    internal const int EventOffset = 4;

    /// <summary>Where a received event's payload starts in the GET_NEXT_EVENT buffer: 4 + 62 = 66, not aligned (§9.2).</summary>
    internal const int PayloadOffset = EventOffset + ScstEvent.PayloadOffset;

    /// <summary>sizeof(struct scst_event_reg_vdev_payload): device_name[SCST_MAX_NAME + 10] (§9.3).</summary>
    internal const int RegistrationPayloadLength = 60;

    private const int PayloadLengthOffset = EventOffset + 0;
    private const int CodeOffset = EventOffset + 4;
    private const int IssuerOffset = EventOffset + 12;
    private const int IssuerLength = 50;

    // Events needing more than this are not something SCST sends (ALLOW caps filter payloads at 3072 bytes, the
    // largest event payload is an STPG list); an ENOSPC asking for more is treated as a broken fd, not honoured.
    private const int MaxBufferSize = 1 << 20;

    // The eventfd wakes the loop for shutdown; the timeout only bounds how long a descriptor closed behind the
    // reader's back (which poll does not report while it sleeps) goes unnoticed.
    private const int PollTimeoutMilliseconds = 1000;

    private static readonly KeyValuePair<string, object?> RegistrationTag = new("kind", "registration");
    private static readonly KeyValuePair<string, object?> MalformedTag = new("kind", "malformed");
    private static readonly KeyValuePair<string, object?> IgnoredTag = new("kind", "ignored");

    private readonly ScstDeviceCalls _calls;
    private readonly ILogger _logger;
    private readonly ScstMetrics _metrics;
    private readonly bool _ownsMetrics;
    private readonly Channel<ScstRegistrationEvent> _channel;
    private readonly Lock _lock = new();
    private Thread? _thread;
    private int _fd = -1;
    private int _wakeFd = -1;
    private volatile bool _stopRequested;
    private bool _disposed;

    // Owned by the loop thread.
    private byte* _buffer;
    private int _bufferSize;

    internal ScstEventReader(ScstDeviceCalls calls, ILogger logger, string devicePath = DefaultDevicePath, ScstMetrics? metrics = null, int bufferSize = DefaultBufferSize)
    {
        ArgumentNullException.ThrowIfNull(calls);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentException.ThrowIfNullOrEmpty(devicePath);
        ArgumentOutOfRangeException.ThrowIfLessThan(bufferSize, PayloadOffset);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bufferSize, MaxBufferSize);
        _calls = calls;
        _logger = logger;
        DevicePath = devicePath;
        _metrics = metrics ?? new ScstMetrics();
        _ownsMetrics = metrics is null;
        _bufferSize = bufferSize;
        // One writer (the loop thread); continuations never run on it, so a slow consumer cannot stall the loop.
        _channel = Channel.CreateUnbounded<ScstRegistrationEvent>(new UnboundedChannelOptions { SingleWriter = true, SingleReader = false });
    }

    /// <summary>The event device node.</summary>
    public string DevicePath { get; }

    /// <summary>
    /// Device names as SCST registers them, in order. Completes when the reader is disposed, or with an
    /// <see cref="ScstEventException"/> if the event fd failed.
    /// </summary>
    public ChannelReader<ScstRegistrationEvent> Registrations => _channel.Reader;

    /// <summary>True from <see cref="Open"/> until the loop stops (disposal or a failed fd).</summary>
    public bool IsRunning => _thread is { IsAlive: true };

    /// <summary>Size of the GET_NEXT_EVENT buffer now (grows on ENOSPC).</summary>
    internal int BufferSize => Volatile.Read(ref _bufferSize);

    internal int Fd => _fd;

    /// <summary>
    /// Opens the device, subscribes to REG_VIRT_DEV from "SCST core" and starts the loop thread. Throws
    /// <see cref="ScstEventException"/> naming the device node and what the errno means there.
    /// </summary>
    public void Open()
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_thread is not null)
            {
                throw new InvalidOperationException($"The event reader on {DevicePath} was already opened.");
            }

            // Non-blocking is latched at the first ioctl (§2): GET_NEXT_EVENT then returns EAGAIN instead of sleeping.
            int fd = _calls.Open(DevicePath, Libc.O_RDWR | Libc.O_NONBLOCK | Libc.O_CLOEXEC, out var openError);
            if (fd < 0)
            {
                throw new ScstEventException(DevicePath, openError, openError switch
                {
                    Errno.ENOENT => $"{DevicePath} does not exist: load SCST (modprobe scst) ({Libc.Describe(openError)})",
                    Errno.EACCES or Errno.EPERM => $"no permission to open {DevicePath} ({Libc.Describe(openError)}): run as root or give the container the device",
                    _ => $"cannot open {DevicePath}: {Libc.Describe(openError)}",
                });
            }

            try
            {
                Allow(fd);
                int wakeFd = Libc.EventFd(0, Libc.EFD_NONBLOCK | Libc.EFD_CLOEXEC);
                if (wakeFd < 0)
                {
                    var wakeError = Libc.LastErrno();
                    throw new ScstEventException(DevicePath, wakeError, $"cannot create the event reader's eventfd: {Libc.Describe(wakeError)}");
                }

                _fd = fd;
                _wakeFd = wakeFd;
            }
            catch
            {
                _calls.Close(fd);
                throw;
            }

            _thread = new Thread(Run) { IsBackground = true, Name = "scst_event reader" };
            _thread.Start();
            LogListening(_logger, DevicePath, _calls.Description);
        }
    }

    /// <summary>Stops the loop (eventfd, then join) and closes the fd, which drops the kernel's filters and queue (§9.1).</summary>
    public void Dispose()
    {
        Thread? thread;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _stopRequested = true;
            thread = _thread;
        }

        Wake();
        if (thread is not null && thread != Thread.CurrentThread)
        {
            thread.Join();
        }

        lock (_lock)
        {
            if (_fd >= 0)
            {
                _calls.Close(_fd);
                _fd = -1;
                LogStopped(_logger, DevicePath);
            }

            if (_wakeFd >= 0)
            {
                Libc.Close(_wakeFd);
                _wakeFd = -1;
            }
        }

        _channel.Writer.TryComplete();
        if (_ownsMetrics)
        {
            _metrics.Dispose();
        }
    }

    /// <summary>
    /// Reads a REG_VIRT_DEV event from a raw GET_NEXT_EVENT buffer (max_event_size at 0, the event header at 4, the
    /// payload at 66, §9.2) and checks what the sheet promises (§9.4): event code 6, issuer "SCST core", a payload of
    /// 1..60 bytes inside the buffer holding a non-empty NUL-terminated name of printable ASCII without '/'.
    /// The buffer comes straight from the kernel, so nothing in it is trusted and every field is read unaligned.
    /// </summary>
    /// <returns>True and the name, or false and what was wrong with the event.</returns>
    internal static bool TryParseRegistration(ReadOnlySpan<byte> eventBuffer, [NotNullWhen(true)] out string? name, [NotNullWhen(false)] out string? problem)
    {
        name = null;
        if (eventBuffer.Length < PayloadOffset)
        {
            problem = $"the event buffer holds {eventBuffer.Length} bytes, less than the {PayloadOffset} bytes of its header";
            return false;
        }

        uint code = MemoryMarshal.Read<uint>(eventBuffer[CodeOffset..]);
        if (code != (uint)ScstEventCode.RegisterVirtualDevice)
        {
            problem = $"event code {code} ({(Enum.IsDefined((ScstEventCode)code) ? ((ScstEventCode)code).ToString() : "unknown")}) is not SCST_EVENT_REG_VIRT_DEV (6)";
            return false;
        }

        var issuer = eventBuffer.Slice(IssuerOffset, IssuerLength);
        int issuerEnd = issuer.IndexOf((byte)0);
        issuer = issuerEnd < 0 ? issuer : issuer[..issuerEnd];
        if (!issuer.SequenceEqual("SCST core"u8))
        {
            problem = $"issuer '{Printable(issuer)}' is not 'SCST core'";
            return false;
        }

        int payloadLength = MemoryMarshal.Read<int>(eventBuffer[PayloadLengthOffset..]);
        if (payloadLength < 1)
        {
            problem = $"payload_len {payloadLength}: the event carries no device name";
            return false;
        }

        if (payloadLength > eventBuffer.Length - PayloadOffset)
        {
            problem = $"payload_len {payloadLength} runs past the {eventBuffer.Length - PayloadOffset} payload bytes the buffer holds";
            return false;
        }

        if (payloadLength > RegistrationPayloadLength)
        {
            problem = $"payload_len {payloadLength} is more than the {RegistrationPayloadLength} bytes of scst_event_reg_vdev_payload";
            return false;
        }

        var payload = eventBuffer.Slice(PayloadOffset, payloadLength);
        int end = payload.IndexOf((byte)0);
        if (end < 0)
        {
            problem = $"the device name '{Printable(payload)}' is not NUL-terminated within payload_len {payloadLength}";
            return false;
        }

        var raw = payload[..end];
        if (raw.IsEmpty)
        {
            problem = "the device name is empty";
            return false;
        }

        int bad = raw.IndexOfAnyExceptInRange((byte)0x20, (byte)0x7E);
        if (bad >= 0)
        {
            problem = $"the device name '{Printable(raw)}' has byte 0x{raw[bad]:x2} at offset {bad}, not printable ASCII";
            return false;
        }

        if (raw.Contains((byte)'/'))
        {
            problem = $"the device name '{Printable(raw)}' contains '/'";
            return false;
        }

        name = Encoding.ASCII.GetString(raw);
        problem = null;
        return true;
    }

    private void Allow(int fd)
    {
        // Exactly the 64-byte struct, payload_len 0: match every REG_VIRT_DEV from the core whatever its payload (§9.2).
        ScstEvent filter = default;
        filter.PayloadLength = 0;
        filter.EventCode = (uint)ScstEventCode.RegisterVirtualDevice;
        "SCST core"u8.CopyTo(new Span<byte>(filter.IssuerName, IssuerLength - 1));
        var error = _calls.Ioctl(fd, ScstEventIoctl.AllowEvent, &filter);
        // EEXIST: an identical filter is already there, which is what we wanted.
        if (error is not (Errno.None or Errno.EEXIST))
        {
            throw new ScstEventException(DevicePath, error, error switch
            {
                Errno.ENOTTY or Errno.EINVAL => $"{DevicePath} refused SCST_EVENT_ALLOW_EVENT ({Libc.Describe(error)}): it is not SCST's event device, or the SCST module is too old for the registration event (SCST 3.5+)",
                Errno.EMFILE => $"{DevicePath} has too many event filters ({Libc.Describe(error)})",
                _ => $"SCST_EVENT_ALLOW_EVENT failed on {DevicePath}: {Libc.Describe(error)}",
            });
        }
    }

    private void Run()
    {
        int fd = _fd;
        try
        {
            _buffer = (byte*)NativeMemory.Alloc((nuint)_bufferSize);
            var pollFds = stackalloc PollFd[2];
            while (!_stopRequested)
            {
                if (!Drain(fd))
                {
                    return;
                }

                pollFds[0] = new PollFd { Fd = fd, Events = Libc.POLLIN };
                pollFds[1] = new PollFd { Fd = _wakeFd, Events = Libc.POLLIN };
                int ready = _calls.Poll(pollFds, 2, PollTimeoutMilliseconds, out var pollError);
                if (_stopRequested)
                {
                    return;
                }

                if (ready < 0)
                {
                    if (pollError == Errno.EINTR)
                    {
                        continue;
                    }

                    Fail(pollError, $"poll failed: {Libc.Describe(pollError)}");
                    return;
                }

                short revents = pollFds[0].ReturnedEvents;
                if ((revents & (Libc.POLLERR | Libc.POLLHUP | Libc.POLLNVAL)) != 0)
                {
                    // After the first ioctl scst_event never reports POLLNVAL itself (§9.1): the descriptor is no
                    // longer open. Forget it rather than close a number that may already belong to someone else.
                    if ((revents & Libc.POLLNVAL) != 0)
                    {
                        Interlocked.CompareExchange(ref _fd, -1, fd);
                    }

                    Fail(Errno.None, $"the event fd reported {DescribePollEvents(revents)}");
                    return;
                }

                if ((pollFds[1].ReturnedEvents & Libc.POLLIN) != 0)
                {
                    ResetWake();
                }
            }
        }
        catch (Exception e)
        {
            Fail(Errno.None, $"the event loop failed: {e.Message}", e);
        }
        finally
        {
            NativeMemory.Free(_buffer);
            _buffer = null;
        }
    }

    /// <summary>GET_NEXT_EVENT until EAGAIN (§9.5). False when the fd failed and the reader has stopped.</summary>
    private bool Drain(int fd)
    {
        while (!_stopRequested)
        {
            // The kernel copies 64 + payload_len bytes to offset 4 and compares that with max_event_size (§9.2).
            MemoryMarshal.Write(new Span<byte>(_buffer, sizeof(int)), _bufferSize - EventOffset);
            var error = _calls.Ioctl(fd, ScstEventIoctl.GetNextEvent, _buffer);
            switch (error)
            {
                case Errno.None:
                    Deliver(new ReadOnlySpan<byte>(_buffer, _bufferSize));
                    break;
                case Errno.EAGAIN:
                    return true;
                case Errno.EINTR:
                    break;
                case Errno.ENOSPC:
                    // The event stays queued and max_event_size now holds what it needs.
                    int needed = MemoryMarshal.Read<int>(new ReadOnlySpan<byte>(_buffer, sizeof(int)));
                    if (needed <= _bufferSize - EventOffset || needed > MaxBufferSize - EventOffset)
                    {
                        Fail(error, $"GET_NEXT_EVENT answered ENOSPC asking for {needed} bytes with {_bufferSize - EventOffset} offered");
                        return false;
                    }

                    Grow(needed + EventOffset);
                    break;
                default:
                    Fail(error, $"GET_NEXT_EVENT failed: {Libc.Describe(error)}");
                    return false;
            }
        }

        return true;
    }

    private void Grow(int size)
    {
        int newSize = (int)Math.Min(BitOperations.RoundUpToPowerOf2((uint)size), MaxBufferSize);
        NativeMemory.Free(_buffer);
        _buffer = null;
        _buffer = (byte*)NativeMemory.Alloc((nuint)newSize);
        LogBufferGrown(_logger, DevicePath, _bufferSize, newSize);
        Volatile.Write(ref _bufferSize, newSize);
    }

    private void Deliver(ReadOnlySpan<byte> eventBuffer)
    {
        if (TryParseRegistration(eventBuffer, out var name, out var problem))
        {
            _metrics.Events.Add(1, RegistrationTag);
            LogRegistration(_logger, name, DevicePath);
            // Unbounded: never fails while the writer is open, and the kernel caps each fd's queue at 2048 anyway.
            _channel.Writer.TryWrite(new ScstRegistrationEvent(name, DateTimeOffset.UtcNow));
            return;
        }

        uint code = MemoryMarshal.Read<uint>(eventBuffer[CodeOffset..]);
        if (code == (uint)ScstEventCode.RegisterVirtualDevice)
        {
            _metrics.Events.Add(1, MalformedTag);
            LogMalformed(_logger, DevicePath, problem);
        }
        else
        {
            _metrics.Events.Add(1, IgnoredTag);
            LogIgnored(_logger, DevicePath, problem);
        }
    }

    private void Fail(Errno error, string reason, Exception? exception = null)
    {
        if (_stopRequested)
        {
            return;
        }

        LogFailed(_logger, exception, DevicePath, reason);
        _channel.Writer.TryComplete(new ScstEventException(DevicePath, error, $"the event reader stopped: {reason}", exception));
    }

    private void Wake()
    {
        int fd = _wakeFd;
        if (fd >= 0)
        {
            ulong one = 1;
            _ = Libc.Write(fd, &one, sizeof(ulong));
        }
    }

    private void ResetWake()
    {
        ulong value;
        _ = Libc.Read(_wakeFd, &value, sizeof(ulong));
    }

    private static string DescribePollEvents(short revents)
    {
        var names = new List<string>(3);
        if ((revents & Libc.POLLERR) != 0)
        {
            names.Add("POLLERR");
        }

        if ((revents & Libc.POLLHUP) != 0)
        {
            names.Add("POLLHUP");
        }

        if ((revents & Libc.POLLNVAL) != 0)
        {
            names.Add("POLLNVAL");
        }

        return $"{string.Join('|', names)} (revents 0x{revents:x})";
    }

    /// <summary>Kernel bytes for a log line: printable ASCII as is, anything else as \xNN.</summary>
    private static string Printable(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder(bytes.Length);
        foreach (byte b in bytes)
        {
            if (b is >= 0x20 and <= 0x7E)
            {
                text.Append((char)b);
            }
            else
            {
                text.Append(System.Globalization.CultureInfo.InvariantCulture, $"\\x{b:x2}");
            }
        }

        return text.ToString();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Listening for SCST device registrations on {Path} through {Calls}")]
    private static partial void LogListening(ILogger logger, string path, string calls);

    [LoggerMessage(Level = LogLevel.Information, Message = "SCST registered device {Device} (event from {Path})")]
    private static partial void LogRegistration(ILogger logger, string device, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Malformed SCST_EVENT_REG_VIRT_DEV on {Path} skipped: {Problem}")]
    private static partial void LogMalformed(ILogger logger, string path, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Unexpected event on {Path} ignored: {Problem}")]
    private static partial void LogIgnored(ILogger logger, string path, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "Event buffer for {Path} grown from {From} to {To} bytes (ENOSPC)")]
    private static partial void LogBufferGrown(ILogger logger, string path, int from, int to);

    [LoggerMessage(Level = LogLevel.Error, Message = "Event reader on {Path} stopped: {Reason}")]
    private static partial void LogFailed(ILogger logger, Exception? exception, string path, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopped listening on {Path}")]
    private static partial void LogStopped(ILogger logger, string path);
}
