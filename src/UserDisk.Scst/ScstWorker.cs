using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using UserDisk.Scsi;
using UserDisk.Scst.Interop;

namespace UserDisk.Scst;

/// <summary>
/// One dedicated thread serving a device's fd (ABI-SCST-USER.md §8.2–§8.5): REPLY_AND_GET_MULTI sends the replies of
/// the last batch and fetches the next subcommands in one call; when the kernel has nothing ready it returns EAGAIN
/// (the fd is non-blocking, so no call ever sleeps in the kernel and a signal can never replay a reply, §8.4) and the
/// worker waits in poll on the fd and the device's eventfd (shutdown, completions finished on other threads).
/// </summary>
/// <remarks>
/// The get/reply area is native memory owned by the worker (the kernel reads and writes it during the ioctl), so the
/// steady state touches no managed allocation: EXECs borrow pooled <see cref="ScstCommand"/>s, data stays in the
/// kernel-pinned <see cref="ScstBuffer"/>s, sense is read from the command's pinned array.
/// </remarks>
internal sealed unsafe partial class ScstWorker : IDisposable
{
    private const int PollTimeoutMilliseconds = 1000;

    private readonly ScstUserDevice _device;
    private readonly int _commandCapacity;
    private readonly int _replyCapacity;
    private readonly byte* _area;
    private readonly ScstUserGetMulti* _multi;
    private readonly ScstUserGetCommand* _commands;
    private readonly ScstUserReplyCommand* _replies;
    private readonly ScstCommand?[] _replyOwners;
    private readonly KeyValuePair<string, object?> _deviceTag;
    private int _replyCount;
    private long _allocatedBytes;

    public ScstWorker(ScstUserDevice device, int index)
    {
        _device = device;
        _commandCapacity = device.Options.CommandsPerCall;
        // Room for a batch's replies plus completions drained from the queue before the next call.
        _replyCapacity = _commandCapacity * 2;
        nuint bytes = (nuint)(ScstUserGetMulti.CommandsOffset + (_commandCapacity * sizeof(ScstUserGetCommand)) + (_replyCapacity * sizeof(ScstUserReplyCommand)));
        _area = (byte*)NativeMemory.AlignedAlloc(bytes, 64);
        NativeMemory.Clear(_area, bytes);
        _multi = (ScstUserGetMulti*)_area;
        _commands = (ScstUserGetCommand*)(_area + ScstUserGetMulti.CommandsOffset);
        _replies = (ScstUserReplyCommand*)(_area + ScstUserGetMulti.CommandsOffset + (_commandCapacity * sizeof(ScstUserGetCommand)));
        _replyOwners = new ScstCommand?[_replyCapacity];
        _deviceTag = new("device", device.Name);
        Thread = new Thread(Run) { IsBackground = true, Name = $"scst {device.Name} #{index}" };
    }

    public Thread Thread { get; }

    /// <summary>Managed bytes this worker thread has allocated, as of its last loop (the zero-allocation test reads it).</summary>
    public long AllocatedBytes => Volatile.Read(ref _allocatedBytes);

    public void Start() => Thread.Start();

    public void Dispose() => NativeMemory.AlignedFree(_area);

    private void Run()
    {
        try
        {
            Serve();
        }
        catch (Exception e)
        {
            _device.Fault($"worker {Thread.Name} failed: {e.Message}", e);
        }
    }

    private void Serve()
    {
        var calls = _device.Calls;
        int fd = _device.Fd;
        int wakeFd = _device.WakeFd;
        var pollFds = stackalloc PollFd[2];
        while (!_device.ExitRequested)
        {
            Volatile.Write(ref _allocatedBytes, GC.GetAllocatedBytesForCurrentThread());
            DrainCompletions();
            _multi->Replies = (ulong)_replies;
            _multi->RepliesCount = (short)_replyCount;
            _multi->RepliesDone = 0;
            // A refused reply can leave unsent ones behind: fetch only what there is room to answer.
            _multi->CommandsCount = (short)Math.Min(_commandCapacity, _replyCapacity - _replyCount);
            var error = calls.Ioctl(fd, ScstUserIoctl.ReplyAndGetMulti, _multi);
            _device.Metrics.Calls.Add(1, _deviceTag);
            if (error == Errno.None)
            {
                ReleaseReplies(_replyCount);
                int fetched = _multi->CommandsCount;
                for (int i = 0; i < fetched; i++)
                {
                    Handle(ref _commands[i]);
                }

                continue;
            }

            switch (error)
            {
                case Errno.EAGAIN:
                    // Nothing ready; every reply was processed (§8.4 step 4).
                    ReleaseReplies(_replyCount);
                    if (_device.HasCompletions)
                    {
                        continue;
                    }

                    pollFds[0] = new PollFd { Fd = fd, Events = Libc.POLLIN };
                    pollFds[1] = new PollFd { Fd = wakeFd, Events = Libc.POLLIN };
                    int ready = calls.Poll(pollFds, 2, PollTimeoutMilliseconds, out var pollError);
                    if (ready < 0 && pollError != Errno.EINTR)
                    {
                        _device.Fault($"poll failed: {Libc.Describe(pollError)}");
                        return;
                    }

                    if ((pollFds[0].ReturnedEvents & (Libc.POLLNVAL | Libc.POLLERR | Libc.POLLHUP)) != 0)
                    {
                        if (!_device.ExitRequested)
                        {
                            _device.Fault($"the device fd reported poll events 0x{pollFds[0].ReturnedEvents:x}");
                        }

                        return;
                    }

                    if ((pollFds[1].ReturnedEvents & Libc.POLLIN) != 0)
                    {
                        // On exit the eventfd stays signalled so every worker sees it, not only the first to wake.
                        if (_device.ExitRequested)
                        {
                            return;
                        }

                        _device.ResetWake();
                    }

                    break;
                case Errno.ESRCH or Errno.EINVAL or Errno.EFAULT or Errno.ENOMEM or Errno.EBUSY or Errno.EINTR:
                    RecoverFromReplyError(error);
                    break;
                default:
                    _device.Fault($"REPLY_AND_GET_MULTI failed: {Libc.Describe(error)}");
                    return;
            }
        }
    }

    /// <summary>
    /// A reply was refused (§8.4): replies_done tells how many went through; the refused one has been consumed by
    /// the kernel (it failed that command), so it is dropped; the ones after it are sent again with the next call.
    /// </summary>
    private void RecoverFromReplyError(Errno error)
    {
        int done = Math.Clamp((int)_multi->RepliesDone, 0, _replyCount);
        if (done < _replyCount)
        {
            ref var refused = ref _replies[done];
            LogReplyRefused(_device.Logger, _device.Name, refused.CommandHandle, refused.Subcode, error);
            _device.Metrics.ReplyErrors.Add(1, _deviceTag);
            int keepFrom = done + 1;
            ReleaseReplies(keepFrom);
            // Shift the unsent replies (and their owners) to the front.
            for (int i = keepFrom; i < _replyCount; i++)
            {
                _replies[i - keepFrom] = _replies[i];
                _replyOwners[i - keepFrom] = _replyOwners[i];
                _replyOwners[i] = null;
            }

            _replyCount -= keepFrom;
        }
        else
        {
            // Every reply went through and the fetch itself failed (ENOMEM, EINTR): just call again.
            ReleaseReplies(_replyCount);
        }
    }

    /// <summary>The first <paramref name="count"/> replies reached the kernel: their commands go back to the pool.</summary>
    private void ReleaseReplies(int count)
    {
        for (int i = 0; i < count; i++)
        {
            var owner = _replyOwners[i];
            if (owner is not null)
            {
                _replyOwners[i] = null;
                _device.ReturnCommand(owner);
            }
        }

        if (count == _replyCount)
        {
            _replyCount = 0;
        }
    }

    private void DrainCompletions()
    {
        while (_replyCount < _replyCapacity - _commandCapacity && _device.TryDequeueCompletion(out var command))
        {
            _device.UntrackWaiting(command);
            WriteExecReply(command, ref NextReply(command));
        }
    }

    private ref ScstUserReplyCommand NextReply(ScstCommand? owner)
    {
        int index = _replyCount++;
        _replyOwners[index] = owner;
        ref var reply = ref _replies[index];
        reply = default;
        return ref reply;
    }

    private void Handle(ref ScstUserGetCommand command)
    {
        var state = (ScstUserCommandState)(command.Subcode & 0xFF);
        switch (state)
        {
            case ScstUserCommandState.Executing:
                Execute(ref command);
                break;
            case ScstUserCommandState.BufferAllocating:
                AllocateBuffer(ref command);
                break;
            case ScstUserCommandState.OnFreeing:
                OnFree(ref command);
                break;
            case ScstUserCommandState.OnCacheFreeing:
                OnCachedMemFree(ref command);
                break;
            case ScstUserCommandState.AttachSession:
                ReplyResult(ref command, _device.Attach(command.Session));
                break;
            case ScstUserCommandState.DetachSession:
                _device.Detach(command.Session.SessionHandle);
                ReplyResult(ref command, 0);
                break;
            case ScstUserCommandState.TaskManagementReceivedExecuting:
                _device.Metrics.TaskManagement.Add(1, _deviceTag);
                _device.AbortWaiting((ScstTaskManagementFunction)command.TaskManagement.Function, command.TaskManagement.SessionHandle, command.TaskManagement.CommandHandleToAbort);
                ReplyResult(ref command, 0);
                break;
            case ScstUserCommandState.TaskManagementDoneExecuting:
                _device.ApplyTaskManagement((ScstTaskManagementFunction)command.TaskManagement.Function);
                ReplyResult(ref command, (int)ScstTaskManagementStatus.Success);
                break;
            case ScstUserCommandState.Parsing:
                RefuseParse(ref command);
                break;
            case ScstUserCommandState.ExtCopyRemapping:
                DeclineRemap(ref command);
                break;
            default:
                LogUnknownSubcode(_device.Logger, _device.Name, command.Subcode, command.CommandHandle);
                ReplyResult(ref command, -(int)Errno.EINVAL);
                break;
        }
    }

    private void ReplyResult(ref ScstUserGetCommand command, int result)
    {
        ref var reply = ref NextReply(null);
        reply.CommandHandle = command.CommandHandle;
        reply.Subcode = command.Subcode;
        reply.Result = result;
    }

    private void Execute(ref ScstUserGetCommand get)
    {
        ref var exec = ref get.Exec;
        var command = _device.RentCommand();
        command.Handle = get.CommandHandle;
        command.Subcode = get.Subcode;
        command.Direction = (ScstDataDirection)exec.DataDirection;
        command.SessionHandle = exec.SessionHandle;
        var scsi = command.Scsi;

        int cdbLength = exec.CdbLength;
        if (!ReadCdb(ref get, scsi, cdbLength))
        {
            FailNow(command, SenseCode.InvalidFieldInCdb);
            return;
        }

        var session = _device.FindSession(exec.SessionHandle) ?? _device.AdoptSession(exec.SessionHandle);
        scsi.Nexus = session.Nexus;
        scsi.Tag = get.CommandHandle;
        scsi.TaskAttribute = (ScstQueueType)exec.QueueType switch
        {
            ScstQueueType.Ordered => TaskAttribute.Ordered,
            ScstQueueType.HeadOfQueue => TaskAttribute.HeadOfQueue,
            ScstQueueType.Aca => TaskAttribute.Aca,
            _ => TaskAttribute.Simple,
        };
        scsi.Direction = command.Direction switch
        {
            ScstDataDirection.Read => DataDirection.Read,
            ScstDataDirection.Write => DataDirection.Write,
            ScstDataDirection.Bidirectional => DataDirection.Bidirectional,
            _ => DataDirection.None,
        };
        int length = exec.BufferLength;
        scsi.ExpectedTransferLength = length;

        if (length > 0 && command.Direction != ScstDataDirection.None)
        {
            ScstBuffer? buffer;
            if (exec.Buffer != 0)
            {
                buffer = _device.Buffers.Find(exec.Buffer);
                if (buffer is null || buffer.Length < length)
                {
                    // Never seen: the kernel only hands back buffers this process gave it.
                    LogForeignBuffer(_device.Logger, _device.Name, exec.Buffer, get.CommandHandle);
                    FailNow(command, SenseCode.InternalTargetFailure);
                    return;
                }
            }
            else if (command.Direction != ScstDataDirection.Read)
            {
                // Data-out always arrives in a buffer (ALLOC_MEM or the cache): without one there is nothing to write.
                LogForeignBuffer(_device.Logger, _device.Name, 0, get.CommandHandle);
                FailNow(command, SenseCode.InternalTargetFailure);
                return;
            }
            else
            {
                // Data-in without a cached buffer: allocate alloc_len (the whole SGV object for a cached direction).
                buffer = _device.Buffers.Rent(Math.Max(exec.AllocLength, length));
                if (buffer is null)
                {
                    scsi.CompleteWithoutExecution(ScsiStatus.TaskSetFull);
                    WriteExecReply(command, ref NextReply(command));
                    return;
                }

                command.ExecBuffer = buffer;
            }

            scsi.Data = buffer.Slice(length);
        }

        _device.Metrics.Commands.Add(1, _deviceTag);
        ValueTask pending;
        try
        {
            pending = _device.LogicalUnit.ExecuteAsync(scsi, command.Token);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _device.ReportUnexpected(e);
            FailNow(command, SenseCode.InternalTargetFailure);
            return;
        }

        if (pending.IsCompleted)
        {
            try
            {
                pending.GetAwaiter().GetResult();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                _device.ReportUnexpected(e);
                FailNow(command, SenseCode.InternalTargetFailure);
                return;
            }

            WriteExecReply(command, ref NextReply(command));
            return;
        }

        // The backstore is slow (S3, a busy disk): reply when it is done, from whichever worker drains the queue.
        _device.TrackWaiting(command);
        command.CompleteLater(pending);
    }

    /// <summary>Copies the CDB; one longer than 16 bytes is fetched with GET_EXTENDED_CDB (§8.9).</summary>
    private bool ReadCdb(ref ScstUserGetCommand get, ScsiCommand scsi, int cdbLength)
    {
        if (cdbLength <= 0 || cdbLength > ScsiCommand.MaxCdbLength)
        {
            return false;
        }

        var target = scsi.CdbBuffer;
        fixed (byte* cdb = get.Exec.Cdb)
        {
            new ReadOnlySpan<byte>(cdb, Math.Min(cdbLength, ScstLimits.MaxCdbSize)).CopyTo(target);
        }

        if (cdbLength > ScstLimits.MaxCdbSize)
        {
            fixed (byte* rest = &target[ScstLimits.MaxCdbSize])
            {
                ScstUserGetExtendedCdb request = default;
                request.CommandHandle = get.CommandHandle;
                request.ExtendedCdbBuffer = (ulong)rest;
                var error = _device.Calls.Ioctl(_device.Fd, ScstUserIoctl.GetExtendedCdb, &request);
                if (error != Errno.None)
                {
                    LogIoctlFailed(_device.Logger, _device.Name, "GET_EXTENDED_CDB", error);
                    return false;
                }
            }
        }

        scsi.SetCdbLength(cdbLength);
        return true;
    }

    private void FailNow(ScstCommand command, SenseCode code)
    {
        command.Scsi.CompleteWithSense(code, _device.LogicalUnit.Mode.DescriptorSense);
        WriteExecReply(command, ref NextReply(command));
    }

    /// <summary>EXEC reply COMPLETED (§6.13, §8.5): status, sense, and the data-in length and buffer.</summary>
    private void WriteExecReply(ScstCommand command, ref ScstUserReplyCommand reply)
    {
        var scsi = command.Scsi;
        reply.CommandHandle = command.Handle;
        reply.Subcode = command.Subcode;
        ref var exec = ref reply.ExecReply;
        exec.ReplyType = (byte)ScstExecReplyType.Completed;
        exec.Status = (byte)scsi.Status;

        // resp_data_len must be 0 unless the direction is READ (even BIDI reports 0).
        int dataIn = command.Direction == ScstDataDirection.Read ? Math.Min(scsi.DataLength, scsi.ExpectedTransferLength) : 0;
        exec.ResponseDataLength = dataIn;
        var allocated = command.ExecBuffer;
        if (allocated is not null)
        {
            if (dataIn > 0)
            {
                exec.Buffer = allocated.Address;
                _device.Buffers.HandToKernel(allocated);
            }
            else
            {
                // Never reaches the kernel (a pbuf with resp_data_len 0 is ignored): ours again.
                _device.Buffers.Return(allocated);
            }

            command.ExecBuffer = null;
        }

        if (scsi.SenseLength > 0)
        {
            exec.SenseLength = (byte)Math.Min(scsi.SenseLength, ScstLimits.SenseBufferSize);
            // The array is pinned for the command's life; the kernel copies it during the ioctl that carries this reply.
            exec.SenseBuffer = (ulong)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(scsi.SenseBuffer));
        }

        if (scsi.Status != ScsiStatus.Good)
        {
            _device.Metrics.CommandErrors.Add(1, _deviceTag);
        }
        else if (scsi.CdbLength > 0 && scsi.CdbBuffer[0] is 0x15 or 0x55)
        {
            _device.ModeSelected();
        }
    }

    /// <summary>ALLOC_MEM (§8.5): a page-aligned buffer of alloc_len for the data-out; 0 makes the kernel answer BUSY.</summary>
    private void AllocateBuffer(ref ScstUserGetCommand get)
    {
        var buffer = _device.Buffers.Rent(get.AllocMem.AllocLength);
        ref var reply = ref NextReply(null);
        reply.CommandHandle = get.CommandHandle;
        reply.Subcode = get.Subcode;
        if (buffer is null)
        {
            _device.Metrics.AllocationFailures.Add(1, _deviceTag);
            return;
        }

        reply.AllocMemReply.Buffer = buffer.Address;
        _device.Buffers.HandToKernel(buffer);
    }

    /// <summary>ON_FREE_CMD (§8.5): a buffer the kernel did not cache is ours again; a cached one stays with it.</summary>
    private void OnFree(ref ScstUserGetCommand get)
    {
        ref var free = ref get.OnFree;
        if (free.Buffer != 0 && free.BufferCached == 0)
        {
            _device.Buffers.Return(free.Buffer);
        }

        if (free.Aborted != 0)
        {
            _device.Metrics.Aborted.Add(1, _deviceTag);
        }
        else if ((sbyte)free.DeliveryStatus != (sbyte)ScstCommandDeliveryStatus.Success)
        {
            _device.Metrics.DeliveryFailures.Add(1, _deviceTag);
        }

        ReplyResult(ref get, 0);
    }

    /// <summary>ON_CACHED_MEM_FREE (§8.5): SGV evicted the buffer; only now may it be reused or unmapped.</summary>
    private void OnCachedMemFree(ref ScstUserGetCommand get)
    {
        if (!_device.Buffers.Return(get.OnCachedMemFree.Buffer))
        {
            LogForeignBuffer(_device.Logger, _device.Name, get.OnCachedMemFree.Buffer, get.CommandHandle);
        }

        ReplyResult(ref get, 0);
    }

    /// <summary>
    /// PARSE arrives only with parse_type CALL/EXCEPTION, which this handler never registers; should it come anyway,
    /// the command fails with INVALID COMMAND OPERATION CODE rather than guessing its lengths.
    /// </summary>
    private void RefuseParse(ref ScstUserGetCommand get)
    {
        var command = _device.RentCommand();
        var scsi = command.Scsi;
        int length = SenseData.Write(scsi.SenseBuffer, _device.LogicalUnit.Mode.DescriptorSense, SenseCode.InvalidCommandOperationCode);
        ref var reply = ref NextReply(command);
        reply.CommandHandle = get.CommandHandle;
        reply.Subcode = get.Subcode;
        reply.ParseReply.Status = (byte)ScsiStatus.CheckCondition;
        reply.ParseReply.SenseLength = (byte)length;
        reply.ParseReply.SenseBuffer = (ulong)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(scsi.SenseBuffer));
    }

    /// <summary>
    /// EXT_COPY_REMAP arrives only if remapping is enabled, which it is not; should it come, the whole segment is
    /// handed back for the core to copy by READ and WRITE (§8.5), which is always correct.
    /// </summary>
    private void DeclineRemap(ref ScstUserGetCommand get)
    {
        var command = _device.RentCommand();
        var descriptor = (ScstUserExtCopyDataDescriptor*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(command.Scsi.SenseBuffer));
        *descriptor = get.Remap.DataDescriptor;
        ref var reply = ref NextReply(command);
        reply.CommandHandle = get.CommandHandle;
        reply.Subcode = get.Subcode;
        reply.RemapReply.RemapDescriptors = (ulong)descriptor;
        reply.RemapReply.RemapDescriptorsLength = (ushort)sizeof(ScstUserExtCopyDataDescriptor);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "SCST device {Device}: the kernel refused reply cmd_h {Handle} subcode 0x{Subcode:x8}: {Error}")]
    private static partial void LogReplyRefused(ILogger logger, string device, uint handle, uint subcode, Errno error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SCST device {Device}: unknown subcode 0x{Subcode:x8} for cmd_h {Handle}")]
    private static partial void LogUnknownSubcode(ILogger logger, string device, uint subcode, uint handle);

    [LoggerMessage(Level = LogLevel.Error, Message = "SCST device {Device}: the kernel sent buffer 0x{Address:x} (cmd_h {Handle}) that this handler does not own")]
    private static partial void LogForeignBuffer(ILogger logger, string device, ulong address, uint handle);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SCST device {Device}: {Ioctl} failed: {Error}")]
    private static partial void LogIoctlFailed(ILogger logger, string device, string ioctl, Errno error);
}
