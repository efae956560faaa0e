using System.Buffers;
using System.Buffers.Binary;
using UserDisk.Scsi;
using UserDisk.Scsi.Commands;

namespace UserDisk.Iscsi;

/// <summary>Full feature phase, SCSI: commands, Data-Out, R2T, Data-In and responses (RFC 7143 11.3-11.8).</summary>
internal sealed partial class IscsiConnection
{
    private readonly Dictionary<uint, IscsiTask> _tasks = [];
    private readonly Stack<IscsiTask> _taskPool = new();
    private readonly Lock _tasksLock = new();
    private uint _nextTargetTransferTag;

    private void HandleScsiCommand(ReadOnlySequence<byte> data)
    {
        var session = Session!;
        var h = _header.AsSpan(0, Bhs.Length);
        if (session.IsDiscovery)
        {
            throw new IscsiProtocolException("command_in_discovery", "SCSI Command in a discovery session");
        }

        var cmdSn = Bhs.UInt32(h, 24);
        if (!Bhs.Immediate(h) && !AdmitCommand(session, cmdSn))
        {
            return;
        }

        var itt = Bhs.InitiatorTaskTag(h);
        var read = (h[1] & 0x40) != 0;
        var write = (h[1] & 0x20) != 0;
        var expected = Bhs.UInt32(h, 20);
        var immediateLength = (int)data.Length;
        if (itt == Bhs.ReservedTag || expected > int.MaxValue || immediateLength > expected
            || (immediateLength > 0 && (!write || !Parameters.ImmediateData || immediateLength > Parameters.FirstBurstLength)))
        {
            SendReject(IscsiRejectReason.InvalidPduField, h);
            throw new IscsiProtocolException("invalid_command_pdu", $"SCSI Command ITT {itt:x8}: EDTL {expected}, immediate data {immediateLength}");
        }

        var task = RentTask();
        task.InitiatorTaskTag = itt;
        task.CmdSn = cmdSn;
        task.LunField = Bhs.Lun(h);
        task.IsRead = read;
        task.IsWrite = write;
        task.Unit = Lun(task.LunField) is { } lun ? session.Target!.Find(lun) : null;
        var command = task.Command;
        command.Nexus = session.Nexus;
        command.Tag = itt;
        command.TaskAttribute = (h[1] & 0x7) switch
        {
            2 => TaskAttribute.Ordered,
            3 => TaskAttribute.HeadOfQueue,
            4 => TaskAttribute.Aca,
            _ => TaskAttribute.Simple,
        };
        command.Direction = write ? DataDirection.Write : read ? DataDirection.Read : DataDirection.None;
        if (!TrySetCdb(command, h))
        {
            ReturnTask(task);
            SendReject(IscsiRejectReason.InvalidPduField, h);
            throw new IscsiProtocolException("invalid_ahs", "malformed additional header segment");
        }

        // A transfer larger than one command may buffer, or than the session's budget allows, gets no buffer: the
        // engine then refuses it by its CDB (transfer too long) or the front end answers TASK SET FULL.
        var overBudget = expected > (uint)_server.Options.MaxCommandBytes || !session.TryReserveBuffer((int)expected, _server.Options.MaxSessionBufferBytes);
        task.RentBuffer(overBudget ? 0 : (int)expected);
        task.BufferReserved = overBudget ? 0 : (int)expected;
        command.ExpectedTransferLength = (int)expected;
        command.Data = task.Buffer.AsMemory(0, overBudget ? 0 : (int)expected);
        lock (_tasksLock)
        {
            if (!_tasks.TryAdd(itt, task))
            {
                session.ReleaseBuffer(task.BufferReserved);
                ReturnTask(task);
                SendReject(IscsiRejectReason.TaskInProgress, h);
                return;
            }
        }

        session.TaskStarted();
        if (overBudget)
        {
            if (expected > (uint)_server.Options.MaxCommandBytes)
            {
                Execute(task);
            }
            else
            {
                command.CompleteWithoutExecution(ScsiStatus.TaskSetFull);
                Complete(task);
            }

            return;
        }

        if (write && expected > 0)
        {
            data.CopyTo(task.Buffer);
            task.Received = immediateLength;
            if (task.Received < expected)
            {
                // Unsolicited Data-Out may follow when InitialR2T=No, up to FirstBurstLength (RFC 7143 4.2.5.2).
                task.InUnsolicitedBurst = !Parameters.InitialR2T && task.Received < Parameters.FirstBurstLength && !Bhs.Final(h);
                if (!task.InUnsolicitedBurst)
                {
                    SendR2T(task);
                }

                return;
            }
        }

        Execute(task);
    }

    /// <summary>Checks CmdSN (RFC 7143 4.2.2.1): duplicates are dropped; a gap cannot happen on one connection.</summary>
    private static bool AdmitCommand(IscsiSession session, uint cmdSn)
    {
        if (session.TryAdmit(cmdSn))
        {
            return true;
        }

        if (Bhs.SerialLess(cmdSn, session.ExpCmdSn) || Bhs.SerialLess(session.MaxCmdSn, cmdSn))
        {
            // Outside the window: silently ignored, as the RFC requires.
            return false;
        }

        throw new IscsiProtocolException("cmdsn_gap", $"CmdSN {cmdSn} skips ahead of ExpCmdSN {session.ExpCmdSn}");
    }

    private bool TrySetCdb(ScsiCommand command, ReadOnlySpan<byte> h)
    {
        var cdb = command.CdbBuffer;
        h.Slice(32, 16).CopyTo(cdb);
        var length = 16;
        var ahs = _header.AsSpan(Bhs.Length, Bhs.TotalAhsLength(h));
        while (!ahs.IsEmpty)
        {
            if (ahs.Length < 4)
            {
                return false;
            }

            var ahsLength = BinaryPrimitives.ReadUInt16BigEndian(ahs);
            var type = ahs[2];
            var padded = Bhs.Padded(ahsLength + 3);
            if (padded > ahs.Length)
            {
                return false;
            }

            if (type == 0x01)
            {
                // Extended CDB AHS (RFC 7143 11.3.6): CDB bytes 16 and on, after one reserved byte.
                var extra = ahsLength - 1;
                if (extra <= 0 || 16 + extra > ScsiCommand.MaxCdbLength)
                {
                    return false;
                }

                ahs.Slice(4, extra).CopyTo(cdb.AsSpan(16));
                length = 16 + extra;
            }

            ahs = ahs[padded..];
        }

        command.SetCdbLength(length);
        return true;
    }

    private void HandleDataOut(ReadOnlySequence<byte> data)
    {
        var h = _header.AsSpan(0, Bhs.Length);
        var itt = Bhs.InitiatorTaskTag(h);
        var ttt = Bhs.UInt32(h, 20);
        var offset = (int)Bhs.UInt32(h, 40);
        IscsiTask? task;
        lock (_tasksLock)
        {
            _tasks.TryGetValue(itt, out task);
        }

        if (task is { Aborted: true, Executing: false })
        {
            // Aborted by another connection's task management while it waited for data: release it here, on the
            // loop that owns its buffer.
            EndTask(task);
            return;
        }

        if (task is null || task.Executing)
        {
            // Data for a task that was aborted or has finished: RFC 7143 allows discarding it.
            Metrics.ProtocolError("data_out_unknown_task");
            return;
        }

        var length = (int)data.Length;
        var unsolicited = ttt == Bhs.ReservedTag;
        var dataSn = Bhs.UInt32(h, 36);
        if ((unsolicited ? !task.InUnsolicitedBurst : ttt != task.TargetTransferTag) || offset != task.Received
            || dataSn != task.ExpectedDataSn
            || offset + length > task.ExpectedLength || (!unsolicited && offset + length > task.BurstEnd)
            || (unsolicited && offset + length > Parameters.FirstBurstLength))
        {
            SendReject(IscsiRejectReason.ProtocolError, h);
            throw new IscsiProtocolException("data_out_sequence", $"Data-Out ITT {itt:x8} TTT {ttt:x8} DataSN {dataSn} offset {offset} length {length} out of sequence");
        }

        data.CopyTo(task.Buffer.AsSpan(offset));
        task.Received += length;
        task.ExpectedDataSn++;
        if (!Bhs.Final(h))
        {
            return;
        }

        if (unsolicited)
        {
            task.InUnsolicitedBurst = false;
        }

        if (task.Received == task.ExpectedLength)
        {
            Execute(task);
        }
        else if (unsolicited || task.Received == task.BurstEnd)
        {
            SendR2T(task);
        }
        else
        {
            throw new IscsiProtocolException("data_out_short_burst", $"Data-Out ITT {itt:x8} ended its burst at {task.Received} before {task.BurstEnd}");
        }
    }

    private void SendR2T(IscsiTask task)
    {
        var length = Math.Min(Parameters.MaxBurstLength, task.ExpectedLength - task.Received);
        task.TargetTransferTag = ++_nextTargetTransferTag == Bhs.ReservedTag ? ++_nextTargetTransferTag : _nextTargetTransferTag;
        task.BurstEnd = task.Received + length;
        task.ExpectedDataSn = 0;
        lock (_sendLock)
        {
            var header = BeginPdu(IscsiOpcode.ReadyToTransfer, 0x80, task.InitiatorTaskTag);
            BinaryPrimitives.WriteUInt64BigEndian(header[8..], task.LunField);
            Bhs.SetUInt32(header, 20, task.TargetTransferTag);
            Bhs.SetUInt32(header, 36, task.R2TSn++);
            Bhs.SetUInt32(header, 40, (uint)task.Received);
            Bhs.SetUInt32(header, 44, (uint)length);
            EndPdu(header, [], advancesStatSn: false);
            Flush();
        }
    }

    private void Execute(IscsiTask task)
    {
        task.StartedAt = System.Diagnostics.Stopwatch.GetTimestamp();
        lock (task)
        {
            task.Executing = true;
        }

        var unit = task.Unit;
        ValueTask pending;
        if (unit is null)
        {
            AbsentLogicalUnit.Execute(task.Command, Session!.Target!.LunNumbers);
            pending = default;
        }
        else
        {
            pending = unit.ExecuteAsync(task.Command, task.CancellationToken);
        }

        if (pending.IsCompletedSuccessfully)
        {
            Complete(task);
        }
        else
        {
            _ = CompleteLaterAsync(task, pending);
        }
    }

    private async Task CompleteLaterAsync(IscsiTask task, ValueTask pending)
    {
        try
        {
            await pending.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        Complete(task);
    }

    /// <summary>Sends the command's data and status, then releases it. Aborted commands get no response (RFC 7143 4.2.3.3).</summary>
    private void Complete(IscsiTask task)
    {
        var command = task.Command;
        if (task.AbortedByAnotherNexus && task.Unit is { } unit && Session!.Nexus is { } nexus)
        {
            // SAM-5: a command aborted by another nexus ends in TASK ABORTED when TAS=1; with TAS=0 it vanishes
            // and its initiator learns of it through COMMANDS CLEARED BY ANOTHER INITIATOR.
            if (unit.Mode.TaskAbortedStatus)
            {
                command.CompleteWithoutExecution(ScsiStatus.TaskAborted);
                task.Aborted = false;
                task.IsRead = false;
            }
            else
            {
                unit.EstablishUnitAttentionFor(nexus, UnitAttention.CommandsClearedByAnotherInitiator);
            }
        }

        if (!task.Aborted && !_closed.IsCancellationRequested)
        {
            lock (_sendLock)
            {
                var dataSn = 0u;
                var good = command.Status == ScsiStatus.Good;
                if (task.IsRead && command.DataLength > 0)
                {
                    dataSn = WriteDataIn(task, statusInLastPdu: good);
                }

                if (!(task.IsRead && command.DataLength > 0 && good))
                {
                    WriteScsiResponse(task, dataSn);
                }

                Flush();
            }
        }

        if (task.Unit is { } measured && task.StartedAt != 0)
        {
            var tags = Session!.Target!.LatencyTagsOf(measured, Lun(task.LunField) ?? 0);
            var seconds = System.Diagnostics.Stopwatch.GetElapsedTime(task.StartedAt).TotalSeconds;
            Metrics.CommandCompleted(seconds, task.IsWrite ? tags.Write : task.IsRead ? tags.Read : tags.Other);
        }

        task.MarkFinished();
        EndTask(task);
    }

    /// <summary>
    /// Takes a started task out of the connection's table and gives back what it holds: its window slot, its buffer
    /// budget, the object itself. Only the caller that removes it does so, so two paths racing to end one task (an
    /// abort and a completion) cannot release it twice, and a later task reusing the ITT is never removed by mistake.
    /// </summary>
    private void EndTask(IscsiTask task)
    {
        lock (_tasksLock)
        {
            if (!((ICollection<KeyValuePair<uint, IscsiTask>>)_tasks).Remove(new(task.InitiatorTaskTag, task)))
            {
                return;
            }
        }

        Session!.TaskEnded();
        Session.ReleaseBuffer(task.BufferReserved);
        ReturnTask(task);
    }

    /// <summary>Writes Data-In PDUs of at most the initiator's MaxRecvDataSegmentLength, with F closing each
    /// MaxBurstLength sequence, and status (S) in the last when allowed (RFC 7143 11.7). Returns the DataSN count.</summary>
    private uint WriteDataIn(IscsiTask task, bool statusInLastPdu)
    {
        var command = task.Command;
        var data = task.Buffer.AsSpan(0, command.DataLength);
        var maxSegment = Parameters.InitiatorMaxRecvDataSegmentLength;
        var burst = Parameters.MaxBurstLength;
        uint dataSn = 0;
        var offset = 0;
        while (offset < data.Length)
        {
            var burstRemaining = burst - (offset % burst);
            var n = Math.Min(Math.Min(maxSegment, burstRemaining), data.Length - offset);
            var last = offset + n == data.Length;
            var endOfBurst = last || n == burstRemaining;
            var flags = (byte)(endOfBurst ? 0x80 : 0);
            var withStatus = last && statusInLastPdu;
            if (withStatus)
            {
                flags |= (byte)(0x01 | ResidualFlags(command));
            }

            var header = BeginPdu(IscsiOpcode.DataIn, flags, task.InitiatorTaskTag);
            if (withStatus)
            {
                header[3] = (byte)command.Status;
                Bhs.SetUInt32(header, 44, (uint)command.ResidualCount);
            }

            BinaryPrimitives.WriteUInt64BigEndian(header[8..], task.LunField);
            Bhs.SetUInt32(header, 20, Bhs.ReservedTag);
            Bhs.SetUInt32(header, 36, dataSn++);
            Bhs.SetUInt32(header, 40, (uint)offset);
            EndPdu(header, data.Slice(offset, n), advancesStatSn: withStatus);
            offset += n;
        }

        return dataSn;
    }

    private void WriteScsiResponse(IscsiTask task, uint expDataSn)
    {
        var command = task.Command;
        Span<byte> senseData = stackalloc byte[2 + ScsiCommand.MaxSenseLength];
        var senseLength = command.SenseLength;
        var segment = senseData[..0];
        if (senseLength > 0)
        {
            // The data segment carries SenseLength (2 bytes) then the sense data (RFC 7143 11.4.7).
            BinaryPrimitives.WriteUInt16BigEndian(senseData, (ushort)senseLength);
            command.Sense.CopyTo(senseData[2..]);
            segment = senseData[..(2 + senseLength)];
        }

        var header = BeginPdu(IscsiOpcode.ScsiResponse, (byte)(0x80 | ResidualFlags(command)), task.InitiatorTaskTag);
        header[2] = 0x00; // Command Completed at Target
        header[3] = (byte)command.Status;
        Bhs.SetUInt32(header, 36, expDataSn);
        Bhs.SetUInt32(header, 44, (uint)command.ResidualCount);
        EndPdu(header, segment, advancesStatSn: true);
    }

    private static byte ResidualFlags(ScsiCommand command) => command.ResidualKind switch
    {
        ResidualKind.Overflow => 0x04,
        ResidualKind.Underflow => 0x02,
        _ => 0,
    };

    /// <summary>The LUN number from an 8-byte LUN field (SAM-5 peripheral or flat addressing), or null.</summary>
    private static ulong? Lun(ulong field) => ReportLuns.DecodeLun(field);

    private IscsiTask RentTask()
    {
        lock (_tasksLock)
        {
            return _taskPool.TryPop(out var task) ? task : new IscsiTask();
        }
    }

    private void ReturnTask(IscsiTask task)
    {
        task.Reset();
        lock (_tasksLock)
        {
            if (_taskPool.Count < IscsiSession.QueueDepth)
            {
                _taskPool.Push(task);
            }
        }
    }

    private void AbortAllTasks()
    {
        List<IscsiTask> tasks;
        lock (_tasksLock)
        {
            tasks = [.. _tasks.Values];
        }

        foreach (var task in tasks)
        {
            task.Abort();
            if (!task.Executing)
            {
                EndTask(task);
            }
        }
    }

    private async Task WaitForTasksAsync()
    {
        List<Task> running;
        lock (_tasksLock)
        {
            running = [.. _tasks.Values.Select(t => t.WhenFinished())];
        }

        await Task.WhenAll(running).ConfigureAwait(false);
    }
}
