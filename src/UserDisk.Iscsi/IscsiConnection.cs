using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace UserDisk.Iscsi;

/// <summary>
/// One TCP connection of the embedded target: frames PDUs off a <see cref="PipeReader"/>, runs login, then the full
/// feature phase. Everything a PDU handler sends is appended to an output pipe under the send lock; whoever flushes
/// sends what is queued right away, on its own thread (the receive loop once per received batch, a completion
/// that finished later on its thread pool thread), so responses finished together leave in one sendmsg and no
/// response waits for another thread to wake up. On 2 cores that hop cost more than the send itself.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "RunAsync owns the connection's lifetime and disposes the stream and token source when it ends.")]
internal sealed partial class IscsiConnection
{
    /// <summary>Largest data segment accepted before login has negotiated one (RFC 7143 13.12 default).</summary>
    private const int LoginMaxDataSegment = 8192;

    private readonly IscsiServer _server;
    private readonly Socket _socket;
    private readonly IPEndPoint _portal;
    private readonly ILogger _logger;
    private readonly NetworkStream _stream;
    private readonly PipeReader _input;
    private readonly Pipe _output;
    private readonly Lock _sendLock = new();
    private readonly CancellationTokenSource _closed = new();
    private readonly byte[] _header = new byte[Bhs.Length + (255 * 4)];
    private readonly byte[] _sendHeader = new byte[Bhs.Length];
    private readonly byte[] _digest = new byte[4];
    private bool _headerDigest;
    private bool _dataDigest;
    private uint _statSn;
    private uint _loginCmdSn;
    private bool _outputClosed;

    // True while the receive loop works through the PDUs of one read: responses it produces inline are flushed
    // once at the end of the batch instead of waking the send loop per command.
    private bool _inReceiveBatch;
    private int _receiveThreadId;
    private readonly List<ArraySegment<byte>> _sendSegments = [];
    private long _lastReceiveTicks = Environment.TickCount64;

    public IscsiConnection(IscsiServer server, Socket socket, IPEndPoint portal, ILogger logger)
    {
        _server = server;
        _socket = socket;
        _portal = portal;
        _logger = logger;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _input = PipeReader.Create(_stream, new StreamPipeReaderOptions(bufferSize: 256 * 1024, minimumReadSize: 64 * 1024));

        // No pause threshold: the CmdSN window (IscsiSession.QueueDepth) bounds what can be queued for sending.
        // Large segments keep a response (header + data) in one piece, so one sendmsg carries many responses.
        _output = new Pipe(new PipeOptions(pauseWriterThreshold: 0, minimumSegmentSize: 256 * 1024, useSynchronizationContext: false));
        Remote = socket.RemoteEndPoint?.ToString() ?? "?";
    }

    public Task Completion { get; set; } = Task.CompletedTask;

    public string Remote { get; }

    public IscsiSession? Session { get; private set; }

    private IscsiMetrics Metrics => _server.Metrics;

    /// <summary>Asks the connection to stop taking commands and close once those in flight are answered.</summary>
    public void BeginShutdown()
    {
        if (Session is null || Session.IsDiscovery)
        {
            Abort("server shutting down");
            return;
        }

        // RFC 7143 11.9.1 AsyncEvent 1: the target asks the initiator to log out, which finishes its commands first.
        SendAsyncLogoutRequest();
    }

    /// <summary>Stops reading and closes once everything already queued for sending has been sent.</summary>
    public void CloseAfterSending(string reason)
    {
        LogClosing(_logger, Remote, reason);
        _input.CancelPendingRead();
    }

    /// <summary>Closes the connection now; in-flight commands are cancelled and get no response.</summary>
    public void Abort(string reason)
    {
        if (_closed.IsCancellationRequested)
        {
            return;
        }

        LogClosing(_logger, Remote, reason);
        try
        {
            _closed.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }

        _input.CancelPendingRead();
    }

    public async Task RunAsync()
    {
        var pinger = PingLoopAsync();
        try
        {
            await ReceiveLoopAsync().ConfigureAwait(false);
        }
        catch (IscsiProtocolException e)
        {
            Metrics.ProtocolError(e.Reason);
            LogProtocolError(_logger, Remote, e.Reason, e.Message);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            LogConnectionLost(_logger, Remote, e.Message);
        }
        catch (Exception e)
        {
            // A bug in a handler must cost one connection, not the process.
            LogUnexpected(_logger, Remote, e);
        }
        finally
        {
            AbortAllTasks();
            await WaitForTasksAsync().ConfigureAwait(false);
            lock (_sendLock)
            {
                // Send what is queued (a logout response), then late senders (a task management answer, a
                // shutdown request) write nothing.
                if (!_outputClosed)
                {
                    FlushCore();
                }

                _outputClosed = true;
            }

            await _output.Writer.CompleteAsync().ConfigureAwait(false);
            await _output.Reader.CompleteAsync().ConfigureAwait(false);
            Abort("connection ended");
            await pinger.ConfigureAwait(false);
            await _input.CompleteAsync().ConfigureAwait(false);
            await _stream.DisposeAsync().ConfigureAwait(false);
            EndSession();
            _closed.Dispose();
        }
    }

    private async Task ReceiveLoopAsync()
    {
        while (true)
        {
            var result = await _input.ReadAsync(_closed.Token).ConfigureAwait(false);
            if (result.IsCanceled)
            {
                return;
            }

            var buffer = result.Buffer;
            try
            {
                _receiveThreadId = Environment.CurrentManagedThreadId;
                _inReceiveBatch = true;
                while (TryReadPdu(ref buffer, out var data))
                {
                    Volatile.Write(ref _lastReceiveTicks, Environment.TickCount64);
                    Metrics.PduReceived();
                    var handled = HandlePduAsync(data);
                    if (!handled.IsCompleted)
                    {
                        // Waiting (logout drains the tasks): let completions flush for themselves meanwhile.
                        _inReceiveBatch = false;
                        FlushBatch();
                    }

                    if (!await handled.ConfigureAwait(false))
                    {
                        return;
                    }
                }
            }
            finally
            {
                _inReceiveBatch = false;
                FlushBatch();
                _input.AdvanceTo(buffer.Start, buffer.End);
            }

            if (result.IsCompleted)
            {
                if (!buffer.IsEmpty)
                {
                    throw new IscsiProtocolException("truncated_pdu", $"connection closed inside a PDU ({buffer.Length} bytes pending)");
                }

                return;
            }
        }
    }

    /// <summary>
    /// Frames one PDU: BHS (copied to <see cref="_header"/> with its AHS), header digest, data segment, padding, data
    /// digest. Returns false until the whole PDU is buffered; throws for a PDU that cannot be valid.
    /// </summary>
    private bool TryReadPdu(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> data)
    {
        data = default;
        if (buffer.Length < Bhs.Length)
        {
            return false;
        }

        var header = _header.AsSpan();
        buffer.Slice(0, Bhs.Length).CopyTo(header);
        var ahs = Bhs.TotalAhsLength(header);
        var dataLength = Bhs.DataSegmentLength(header);
        var maxData = Session is null ? LoginMaxDataSegment : SessionParameters.TargetMaxRecvDataSegmentLength;
        if (dataLength > maxData)
        {
            SendReject(IscsiRejectReason.ProtocolError, header[..Bhs.Length]);
            throw new IscsiProtocolException("oversized_data_segment", $"data segment of {dataLength} bytes exceeds {maxData}");
        }

        var headerDigest = _headerDigest ? 4 : 0;
        var dataDigest = _dataDigest && dataLength > 0 ? 4 : 0;
        long total = Bhs.Length + ahs + headerDigest + Bhs.Padded(dataLength) + dataDigest;
        if (buffer.Length < total)
        {
            return false;
        }

        if (ahs > 0)
        {
            buffer.Slice(Bhs.Length, ahs).CopyTo(header[Bhs.Length..]);
        }

        if (headerDigest != 0)
        {
            buffer.Slice(Bhs.Length + ahs, 4).CopyTo(_digest);
            if (BinaryPrimitives.ReadUInt32LittleEndian(_digest) != Crc32C.Compute(header[..(Bhs.Length + ahs)]))
            {
                // The length fields cannot be trusted: there is no way to find the next PDU (RFC 7143 7.8).
                throw new IscsiProtocolException("header_digest", "header digest mismatch");
            }
        }

        var dataStart = Bhs.Length + ahs + headerDigest;
        data = buffer.Slice(dataStart, dataLength);
        if (dataDigest != 0)
        {
            buffer.Slice(dataStart + Bhs.Padded(dataLength), 4).CopyTo(_digest);
            if (BinaryPrimitives.ReadUInt32LittleEndian(_digest) != Crc32C.Compute(buffer.Slice(dataStart, Bhs.Padded(dataLength))))
            {
                SendReject(IscsiRejectReason.DataDigestError, header[..Bhs.Length]);
                throw new IscsiProtocolException("data_digest", "data digest mismatch");
            }
        }

        buffer = buffer.Slice(total);
        return true;
    }

    private ValueTask<bool> HandlePduAsync(ReadOnlySequence<byte> data)
    {
        var header = _header.AsSpan(0, Bhs.Length);
        var opcode = Bhs.Opcode(header);
        if (Session is null)
        {
            if (opcode != IscsiOpcode.LoginRequest)
            {
                throw new IscsiProtocolException("not_logged_in", $"{opcode} before login completed");
            }

            return new ValueTask<bool>(HandleLogin(data));
        }

        switch (opcode)
        {
            case IscsiOpcode.ScsiCommand:
                HandleScsiCommand(data);
                return new ValueTask<bool>(true);
            case IscsiOpcode.DataOut:
                HandleDataOut(data);
                return new ValueTask<bool>(true);
            case IscsiOpcode.NopOut:
                HandleNopOut(data);
                return new ValueTask<bool>(true);
            case IscsiOpcode.TaskManagementRequest:
                HandleTaskManagement();
                return new ValueTask<bool>(true);
            case IscsiOpcode.TextRequest:
                HandleText(data);
                return new ValueTask<bool>(true);
            case IscsiOpcode.LogoutRequest:
                return HandleLogoutAsync();
            case IscsiOpcode.LoginRequest:
                throw new IscsiProtocolException("login_in_full_feature", "Login Request in full feature phase");
            default:
                // RFC 7143 11.17.1: an opcode we do not support gets Reject (Command not supported); the
                // connection goes on.
                Metrics.ProtocolError("unsupported_opcode");
                SendReject(IscsiRejectReason.CommandNotSupported, header);
                return new ValueTask<bool>(true);
        }
    }

    // ---- sending ----

    /// <summary>
    /// Appends one PDU (the 48-byte header in <paramref name="header"/>, then <paramref name="data"/>) to the output,
    /// adding digests and padding. Callers hold <see cref="_sendLock"/> when they need several PDUs kept together.
    /// </summary>
    private void WritePdu(ReadOnlySpan<byte> header, ReadOnlySpan<byte> data)
    {
        if (_outputClosed)
        {
            return;
        }

        var writer = _output.Writer;
        writer.Write(header);
        if (_headerDigest)
        {
            var span = writer.GetSpan(4);
            BinaryPrimitives.WriteUInt32LittleEndian(span, Crc32C.Compute(header));
            writer.Advance(4);
        }

        if (data.IsEmpty)
        {
            return;
        }

        writer.Write(data);
        var pad = Bhs.Padded(data.Length) - data.Length;
        if (pad > 0)
        {
            var span = writer.GetSpan(pad);
            span[..pad].Clear();
            writer.Advance(pad);
        }

        if (_dataDigest)
        {
            Span<byte> zeros = stackalloc byte[3];
            zeros.Clear();
            var crc = Crc32C.Append(Crc32C.Append(uint.MaxValue, data), zeros[..pad]);

            var span = writer.GetSpan(4);
            BinaryPrimitives.WriteUInt32LittleEndian(span, ~crc);
            writer.Advance(4);
        }
    }

    private void Flush()
    {
        if (_outputClosed || (_inReceiveBatch && Environment.CurrentManagedThreadId == _receiveThreadId))
        {
            return;
        }

        FlushCore();
    }

    private void FlushBatch()
    {
        lock (_sendLock)
        {
            if (!_outputClosed)
            {
                FlushCore();
            }
        }
    }

    /// <summary>Publishes what was written and sends it. Called under <see cref="_sendLock"/>.</summary>
    private void FlushCore()
    {
        // Completes synchronously: the output pipe has no pause threshold.
        var flush = _output.Writer.FlushAsync();
        if (!flush.IsCompleted)
        {
            flush.AsTask().GetAwaiter().GetResult();
        }

        var reader = _output.Reader;
        if (!reader.TryRead(out var result))
        {
            return;
        }

        var buffer = result.Buffer;
        try
        {
            SendAll(buffer);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException)
        {
            // The peer is gone: drop this and everything after it, and end the connection.
            _outputClosed = true;
            Abort($"send failed: {e.Message}");
        }
        finally
        {
            reader.AdvanceTo(buffer.End);
        }
    }

    /// <summary>Sends a sequence with one sendmsg (gathering the pipe's segments), finishing a partial send.</summary>
    private void SendAll(ReadOnlySequence<byte> buffer)
    {
        long sent;
        if (buffer.IsSingleSegment)
        {
            sent = _socket.Send(buffer.FirstSpan, SocketFlags.None);
        }
        else
        {
            _sendSegments.Clear();
            foreach (var segment in buffer)
            {
                if (!System.Runtime.InteropServices.MemoryMarshal.TryGetArray(segment, out var array))
                {
                    throw new InvalidOperationException("The output pipe's memory is not array-backed.");
                }

                _sendSegments.Add(array);
            }

            sent = _socket.Send(_sendSegments, SocketFlags.None);
        }

        // A blocking send normally takes everything; if the kernel took less, send the rest piece by piece.
        foreach (var segment in buffer.Slice(sent))
        {
            var rest = segment.Span;
            while (!rest.IsEmpty)
            {
                rest = rest[_socket.Send(rest, SocketFlags.None)..];
            }
        }
    }

    /// <summary>Starts a target PDU in the shared send header: opcode, flags byte, ITT. Call under the send lock.</summary>
    private Span<byte> BeginPdu(IscsiOpcode opcode, byte flags, uint initiatorTaskTag)
    {
        var header = _sendHeader.AsSpan();
        header.Clear();
        header[0] = (byte)opcode;
        header[1] = flags;
        Bhs.SetUInt32(header, 16, initiatorTaskTag);
        return header;
    }

    /// <summary>Stamps StatSN (advancing it when the PDU carries status), ExpCmdSN and MaxCmdSN, then writes.</summary>
    private void EndPdu(Span<byte> header, ReadOnlySpan<byte> data, bool advancesStatSn)
    {
        Bhs.SetUInt32(header, 24, advancesStatSn ? _statSn++ : _statSn);
        SetWindow(header);
        Bhs.SetDataSegmentLength(header, data.Length);
        WritePdu(header, data);
    }

    /// <summary>Writes ExpCmdSN and MaxCmdSN (bytes 28-35), which every target PDU carries.</summary>
    private void SetWindow(Span<byte> header)
    {
        if (Session is { } session)
        {
            Bhs.SetUInt32(header, 28, session.ExpCmdSn);
            Bhs.SetUInt32(header, 32, session.MaxCmdSn);
        }
        else
        {
            // During login the window starts at the login's CmdSN, which the first command will reuse.
            Bhs.SetUInt32(header, 28, _loginCmdSn);
            Bhs.SetUInt32(header, 32, unchecked(_loginCmdSn + IscsiSession.QueueDepth - 1));
        }
    }

    private void SendReject(IscsiRejectReason reason, ReadOnlySpan<byte> offending)
    {
        Span<byte> copy = stackalloc byte[Bhs.Length];
        offending.CopyTo(copy);
        lock (_sendLock)
        {
            var header = BeginPdu(IscsiOpcode.Reject, 0x80, Bhs.ReservedTag);
            header[2] = (byte)reason;
            EndPdu(header, copy, advancesStatSn: true);
            Flush();
        }
    }

    /// <summary>Pings an idle initiator with NOP-In and closes the connection when it does not answer (dead peer).</summary>
    private async Task PingLoopAsync()
    {
        var interval = _server.Options.NopInInterval;
        if (interval <= TimeSpan.Zero)
        {
            return;
        }

        using var timer = new PeriodicTimer(interval);
        uint pingTag = 0;
        long pingSent = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(_closed.Token).ConfigureAwait(false))
            {
                if (Session is null || Session.IsDiscovery)
                {
                    continue;
                }

                var idle = Environment.TickCount64 - Volatile.Read(ref _lastReceiveTicks);
                if (pingSent != 0 && Volatile.Read(ref _lastReceiveTicks) < pingSent && Environment.TickCount64 - pingSent > _server.Options.NopInTimeout.TotalMilliseconds)
                {
                    Metrics.ProtocolError("nop_timeout");
                    Abort("initiator did not answer NOP-In");
                    return;
                }

                if (idle >= interval.TotalMilliseconds && pingSent <= Volatile.Read(ref _lastReceiveTicks))
                {
                    pingSent = Environment.TickCount64;
                    var tag = ++pingTag | 0x8000_0000;
                    SendNopIn(Bhs.ReservedTag, tag, 0, []);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "iSCSI connection {Remote} closing: {Reason}")]
    private static partial void LogClosing(ILogger logger, string remote, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "iSCSI protocol error from {Remote} ({Reason}): {Detail}; closing the connection")]
    private static partial void LogProtocolError(ILogger logger, string remote, string reason, string detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "iSCSI connection {Remote} lost: {Detail}")]
    private static partial void LogConnectionLost(ILogger logger, string remote, string detail);

    [LoggerMessage(Level = LogLevel.Error, Message = "iSCSI connection {Remote} failed unexpectedly")]
    private static partial void LogUnexpected(ILogger logger, string remote, Exception exception);
}
