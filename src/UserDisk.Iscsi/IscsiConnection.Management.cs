using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using UserDisk.Scsi;

namespace UserDisk.Iscsi;

/// <summary>Full feature phase, everything but SCSI data: NOP, Text (SendTargets), Logout, task management, async.</summary>
internal sealed partial class IscsiConnection
{
    private void HandleNopOut(ReadOnlySequence<byte> data)
    {
        var h = _header.AsSpan(0, Bhs.Length);
        var itt = Bhs.InitiatorTaskTag(h);
        if (!Bhs.Immediate(h) && itt != Bhs.ReservedTag && !AdmitCommand(Session!, Bhs.UInt32(h, 24)))
        {
            return;
        }

        if (itt == Bhs.ReservedTag)
        {
            // The answer to our NOP-In ping (its TTT), or a one-way ping: nothing to send.
            return;
        }

        // RFC 7143 11.19: echo the ping data, at most what the initiator accepts in one PDU.
        var echo = data.Length > Parameters.InitiatorMaxRecvDataSegmentLength ? data.Slice(0, Parameters.InitiatorMaxRecvDataSegmentLength) : data;
        SendNopIn(itt, Bhs.ReservedTag, Bhs.Lun(h), echo.ToArray());
    }

    private void SendNopIn(uint itt, uint ttt, ulong lun, ReadOnlySpan<byte> data)
    {
        lock (_sendLock)
        {
            var header = BeginPdu(IscsiOpcode.NopIn, 0x80, itt);
            BinaryPrimitives.WriteUInt64BigEndian(header[8..], lun);
            Bhs.SetUInt32(header, 20, ttt);

            // A NOP-In answering a NOP-Out carries status (StatSN advances); an unsolicited ping does not.
            EndPdu(header, data, advancesStatSn: itt != Bhs.ReservedTag);
            Flush();
        }
    }

    private void HandleText(ReadOnlySequence<byte> data)
    {
        var h = _header.AsSpan(0, Bhs.Length);
        var itt = Bhs.InitiatorTaskTag(h);
        if (!Bhs.Immediate(h) && !AdmitCommand(Session!, Bhs.UInt32(h, 24)))
        {
            return;
        }

        if ((h[1] & 0x40) != 0 || Bhs.UInt32(h, 20) != Bhs.ReservedTag)
        {
            // Continued text (C bit) or a continuation of ours: our answers always fit one PDU.
            SendReject(IscsiRejectReason.ProtocolError, h);
            return;
        }

        var pairs = new List<KeyValuePair<string, string>>();
        if (!TextParameters.TryParse(data.ToArray(), pairs, out var error))
        {
            SendReject(IscsiRejectReason.ProtocolError, h);
            throw new IscsiProtocolException("text_syntax", error!);
        }

        var response = new List<byte>();
        foreach (var (key, value) in pairs)
        {
            if (key == "SendTargets")
            {
                AppendSendTargets(value, response);
            }
            else
            {
                TextParameters.Append(response, key, "NotUnderstood");
            }
        }

        var bytes = response.ToArray();
        if (bytes.Length > Parameters.InitiatorMaxRecvDataSegmentLength)
        {
            throw new IscsiProtocolException("text_too_long", $"SendTargets answer of {bytes.Length} bytes exceeds what the initiator accepts");
        }

        lock (_sendLock)
        {
            var header = BeginPdu(IscsiOpcode.TextResponse, 0x80, itt);
            Bhs.SetUInt32(header, 20, Bhs.ReservedTag);
            EndPdu(header, bytes, advancesStatSn: true);
            Flush();
        }
    }

    /// <summary>SendTargets (RFC 7143 Appendix C): All in a discovery session; the session's own target otherwise.</summary>
    private void AppendSendTargets(string value, List<byte> response)
    {
        var session = Session!;
        IEnumerable<IscsiTarget> targets = value switch
        {
            "All" when session.IsDiscovery => _server.Targets.All,
            "" or "All" when !session.IsDiscovery => [session.Target!],
            _ => _server.Targets.All.Where(t => string.Equals(t.Name, value, StringComparison.OrdinalIgnoreCase)
                && (session.IsDiscovery || t == session.Target)),
        };

        var local = _socket.LocalEndPoint as IPEndPoint ?? _portal;
        foreach (var target in targets)
        {
            TextParameters.Append(response, "TargetName", target.Name);
            var portal = _server.BoundPortal(target.Portal) ?? local;
            var address = portal.Address.Equals(IPAddress.Any) || portal.Address.Equals(IPAddress.IPv6Any) ? local.Address : portal.Address;
            var host = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
            TextParameters.Append(response, "TargetAddress", string.Create(CultureInfo.InvariantCulture, $"{host}:{portal.Port},{target.PortalGroupTag}"));
        }
    }

    private async ValueTask<bool> HandleLogoutAsync()
    {
        var h = _header.AsSpan(0, Bhs.Length);
        var itt = Bhs.InitiatorTaskTag(h);
        var reason = h[1] & 0x7F;
        if (!Bhs.Immediate(h))
        {
            AdmitCommand(Session!, Bhs.UInt32(h, 24));
        }

        // Commands already received are answered before the logout response (RFC 7143 11.14: the target
        // completes the connection's tasks before it answers a logout for the connection or session).
        await WaitForTasksAsync().ConfigureAwait(false);

        // The nexus is gone before the initiator hears so: a RESERVE from another initiator sent right after this
        // response must find the SPC-2 reservation released (libiscsi Reserve6.Logout does exactly that).
        EndSession();
        lock (_sendLock)
        {
            var header = BeginPdu(IscsiOpcode.LogoutResponse, 0x80, itt);

            // 0: connection or session closed successfully; 2: connection recovery is not supported (ERL 0).
            header[2] = reason == 2 ? (byte)2 : (byte)0;
            EndPdu(header, [], advancesStatSn: true);
            Flush();
        }

        return false;
    }

    private void SendAsyncLogoutRequest()
    {
        lock (_sendLock)
        {
            var header = BeginPdu(IscsiOpcode.AsyncMessage, 0x80, Bhs.ReservedTag);
            header[36] = 1;                                 // AsyncEvent 1: target requests logout
            BinaryPrimitives.WriteUInt16BigEndian(header[42..], 2); // Parameter3: seconds to log out in
            EndPdu(header, [], advancesStatSn: true);
            Flush();
        }
    }

    private void HandleTaskManagement()
    {
        var h = _header.AsSpan(0, Bhs.Length);
        var session = Session!;
        if (session.IsDiscovery)
        {
            throw new IscsiProtocolException("tmf_in_discovery", "task management in a discovery session");
        }

        if (!Bhs.Immediate(h) && !AdmitCommand(session, Bhs.UInt32(h, 24)))
        {
            return;
        }

        var request = new TaskManagementRequest(
            Function: (byte)(h[1] & 0x7F),
            InitiatorTaskTag: Bhs.InitiatorTaskTag(h),
            LunField: Bhs.Lun(h),
            ReferencedTaskTag: Bhs.UInt32(h, 20),
            ReferencedCmdSn: Bhs.UInt32(h, 32));
        _ = RunTaskManagementAsync(request);
    }

    /// <summary>
    /// Runs a task management function off the receive loop (it may wait for commands to finish) and answers it
    /// (RFC 7143 11.5/11.6). The aborted commands themselves get no response.
    /// </summary>
    private async Task RunTaskManagementAsync(TaskManagementRequest request)
    {
        var session = Session!;
        var target = session.Target!;
        var unit = Lun(request.LunField) is { } lun ? target.Find(lun) : null;
        byte response;
        string name;
        try
        {
            switch (request.Function)
            {
                case 1:
                    name = "abort_task";
                    response = await AbortTaskAsync(request).ConfigureAwait(false);
                    break;
                case 2:
                    name = "abort_task_set";
                    response = unit is null ? (byte)2 : await AbortWhereAsync(t => t.Unit == unit).ConfigureAwait(false);
                    break;
                case 4:
                    name = "clear_task_set";
                    response = unit is null ? (byte)2 : await _server.AbortTasksAsync(unit, this).ConfigureAwait(false);
                    break;
                case 5:
                    name = "lun_reset";
                    if (unit is null)
                    {
                        response = 2;
                        break;
                    }

                    await _server.AbortTasksAsync(unit, this).ConfigureAwait(false);
                    unit.Reset();
                    response = 0;
                    break;
                case 6 or 7:
                    name = request.Function == 6 ? "target_warm_reset" : "target_cold_reset";
                    foreach (var u in target.Units)
                    {
                        await _server.AbortTasksAsync(u, this).ConfigureAwait(false);
                        u.Reset();
                    }

                    response = 0;
                    break;
                case 8:
                    name = "task_reassign";
                    response = 4;   // allegiance reassignment needs ErrorRecoveryLevel 2
                    break;
                default:
                    name = "unsupported";
                    response = 5;   // Task management function not supported (CLEAR ACA: no NACA)
                    break;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
        {
            return;
        }

        Metrics.TaskManagement(name);
        if (_closed.IsCancellationRequested)
        {
            return;
        }

        lock (_sendLock)
        {
            var header = BeginPdu(IscsiOpcode.TaskManagementResponse, 0x80, request.InitiatorTaskTag);
            header[2] = response;
            EndPdu(header, [], advancesStatSn: true);
            Flush();
        }

        if (request.Function == 7)
        {
            // TARGET COLD RESET also ends every session of the target (RFC 7143 11.5.1).
            _server.AbortConnections(target, this, "target cold reset");
        }
    }

    private async Task<byte> AbortTaskAsync(TaskManagementRequest request)
    {
        IscsiTask? task;
        lock (_tasksLock)
        {
            _tasks.TryGetValue(request.ReferencedTaskTag, out task);
        }

        if (task is null)
        {
            // Already answered (or never seen): "Task does not exist", which tells the initiator to expect the
            // command's own response rather than silence (libiscsi's AbortTaskSimpleAsync relies on it).
            return 1;
        }

        await AbortAsync([task]).ConfigureAwait(false);
        return 0;
    }

    private async Task<byte> AbortWhereAsync(Func<IscsiTask, bool> predicate)
    {
        List<IscsiTask> tasks;
        lock (_tasksLock)
        {
            tasks = [.. _tasks.Values.Where(predicate)];
        }

        await AbortAsync(tasks).ConfigureAwait(false);
        return 0;
    }

    /// <summary>Aborts this connection's tasks on <paramref name="unit"/> (for a reset or another initiator's CLEAR TASK SET).</summary>
    /// <summary>Aborts this connection's commands on <paramref name="unit"/> except <paramref name="spare"/>, without
    /// waiting (the caller is the preempting command itself).</summary>
    internal void AbortTasksByAnotherNexus(LogicalUnit unit, ScsiCommand spare)
    {
        List<IscsiTask> tasks;
        lock (_tasksLock)
        {
            tasks = [.. _tasks.Values.Where(t => t.Unit == unit && !ReferenceEquals(t.Command, spare))];
        }

        _ = AbortAsync(tasks, fromOwnReceiveLoop: false);
    }

    internal async Task AbortTasksOnAsync(LogicalUnit unit, bool fromOwnReceiveLoop)
    {
        List<IscsiTask> tasks;
        lock (_tasksLock)
        {
            tasks = [.. _tasks.Values.Where(t => t.Unit == unit)];
        }

        await AbortAsync(tasks, fromOwnReceiveLoop).ConfigureAwait(false);
    }

    /// <summary>
    /// Aborts tasks and waits for those the engine is running. Tasks still receiving Data-Out are released here
    /// only on this connection's receive loop, which is the only place that writes into their buffers; for
    /// another connection they are marked and that connection releases them at their next Data-Out or at close.
    /// </summary>
    private async Task AbortAsync(List<IscsiTask> tasks, bool fromOwnReceiveLoop = true)
    {
        var waits = new List<Task>();
        foreach (var task in tasks)
        {
            bool executing;
            lock (task)
            {
                executing = task.Executing;
                task.AbortedByAnotherNexus = !fromOwnReceiveLoop;
                task.Abort();
            }

            if (executing)
            {
                waits.Add(task.WhenFinished());
                continue;
            }

            if (!fromOwnReceiveLoop)
            {
                continue;
            }

            // Still waiting for Data-Out: drop it now; its late Data-Out PDUs are discarded.
            EndTask(task);
        }

        await Task.WhenAll(waits).ConfigureAwait(false);
    }

    private readonly record struct TaskManagementRequest(byte Function, uint InitiatorTaskTag, ulong LunField, uint ReferencedTaskTag, uint ReferencedCmdSn);
}
