using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using UserDisk.Scsi.Commands;
using UserDisk.Scsi.Reservations;
using UserDisk.Storage;

namespace UserDisk.Scsi;

/// <summary>
/// A SCSI block device (SBC-4 direct-access, peripheral device type 0) over one <see cref="IBackstore"/>.
/// Front ends hand it commands through <see cref="ExecuteAsync"/>; it owns all SCSI semantics and never
/// touches a socket, an fd, or a data buffer of its own.
/// </summary>
public sealed partial class LogicalUnit
{
    private readonly ConcurrentDictionary<ItNexus, NexusState> _nexuses = new(ReferenceEqualityComparer.Instance);
    private readonly TaskSet _taskSet = new();
    private readonly ILogger _logger;
    private long _blockCount;

    public LogicalUnit(IBackstore backstore, LogicalUnitOptions? options = null, ILogger<LogicalUnit>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(backstore);
        Backstore = backstore;
        Options = options ?? new LogicalUnitOptions();
        _logger = logger ?? (ILogger)NullLogger.Instance;
        BlockSize = backstore.BlockSize;
        if (BlockSize < 512 || BlockSize > 65536 || (BlockSize & (BlockSize - 1)) != 0)
        {
            throw new ArgumentException($"Block size {BlockSize} is not a power of two between 512 and 65536.", nameof(backstore));
        }

        if (Options.MaxTransferBytes < BlockSize)
        {
            throw new ArgumentException($"MaxTransferBytes {Options.MaxTransferBytes} is smaller than one block ({BlockSize}).", nameof(options));
        }

        _blockCount = backstore.Length / BlockSize;
        IsReadOnly = Options.ReadOnly || backstore.IsReadOnly;
        SerialNumber = Options.SerialNumber ?? backstore.Identity.ToString()[..16];
        if (SerialNumber.Length is 0 or > MaxSerialNumberLength || SerialNumber.Any(c => c is < '!' or > '~'))
        {
            // SPC-5 unit serial number: printable ASCII; bounded so VPD 80h/83h stay within one INQUIRY buffer.
            throw new ArgumentException($"Serial number '{SerialNumber}' must be 1 to {MaxSerialNumberLength} printable ASCII characters without spaces.", nameof(options));
        }
        Mode = new ModeParameters(Options.WriteCacheEnabled, Options.DescriptorSense);

        // A corrupt APTPL file throws here, naming the file: better a unit that does not start than one that has
        // forgotten the reservations fencing it.
        Reservations = new PersistentReservations(Options.ReservationsByEngine ? Options.ReservationStatePath : null);
    }

    /// <summary>
    /// Raised while PERSISTENT RESERVE OUT with PREEMPT AND ABORT runs (SPC-5 5.13.11.2.6), after the preemption has
    /// taken effect and before the command completes. The engine does not own tasks, so the front end must abort every
    /// command of the listed I_T nexuses on this unit except <see cref="TasksAbortedEventArgs.PreemptingCommand"/>, as
    /// SAM-5 defines: with TASK ABORTED status when the Control mode page's TAS bit is set
    /// (<see cref="ModeParameters.TaskAbortedStatus"/>), otherwise without status and with COMMANDS CLEARED BY ANOTHER
    /// INITIATOR established for each nexus that lost commands (<see cref="EstablishUnitAttentionFor"/>). Handlers run
    /// on the preempting command's thread and must not wait for that command to finish.
    /// </summary>
    public event EventHandler<TasksAbortedEventArgs>? TasksAborted;

    /// <summary>
    /// The capacity changed (after <see cref="RefreshCapacity"/>): front ends under a SCSI core tell the core, which
    /// raises the unit attention itself (scst_user's DEVICE_CAPACITY_CHANGED).
    /// </summary>
    public event EventHandler<CapacityChangedEventArgs>? CapacityChanged;

    /// <summary>Longest unit serial number accepted.</summary>
    public const int MaxSerialNumberLength = 64;

    public IBackstore Backstore { get; }

    public LogicalUnitOptions Options { get; }

    public int BlockSize { get; }

    /// <summary>Number of logical blocks as last read from the backstore.</summary>
    public long BlockCount => Volatile.Read(ref _blockCount);

    /// <summary>Read-only by configuration or because the backstore is.</summary>
    public bool IsReadOnly { get; }

    /// <summary>Unit serial number (VPD 80h), also the vendor-specific part of the T10 designator.</summary>
    public string SerialNumber { get; }

    public LogicalUnitCounters Counters { get; } = new();

    /// <summary>
    /// The 8-byte NAA designator of VPD 83h: NAA 3 (locally assigned) from the backstore identity, so a new image
    /// version is a new unit to multipath and to the platform.
    /// </summary>
    public ulong NaaDesignator => (Backstore.Identity.High & 0x0FFF_FFFF_FFFF_FFFF) | 0x3000_0000_0000_0000;

    /// <summary>Current mode parameters (Caching and Control pages).</summary>
    public ModeParameters Mode { get; }

    /// <summary>Answers REPORT LUNS for front ends that route it to a logical unit; null reports LUN 0 only.</summary>
    public Func<IReadOnlyList<ulong>>? LunInventory { get; set; }

    /// <summary>Commands running now (not counting HEAD OF QUEUE).</summary>
    public int RunningCommands => _taskSet.Running;

    internal RangeLock WriteLock { get; } = new();

    /// <summary>SPC-2 and persistent reservations (empty, and never changed, unless <see cref="LogicalUnitOptions.ReservationsByEngine"/>).</summary>
    internal PersistentReservations Reservations { get; }

    /// <summary>
    /// Executes one command. On return the command's status, sense, data length and residual are set; the
    /// method does not throw for anything an initiator can send or a backstore can fail with.
    /// </summary>
    /// <remarks>
    /// The common case (task set free, backstore done at once) runs without an async state machine, so it allocates
    /// nothing even in Debug builds; anything that really waits continues in <see cref="CompleteAsync"/>.
    /// </remarks>
    public ValueTask ExecuteAsync(ScsiCommand command, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.ResetOutcome();
        var descriptor = Admit(command);
        if (descriptor is null)
        {
            return default;
        }

        var attribute = command.TaskAttribute;
        var enter = _taskSet.EnterAsync(attribute, cancellationToken);
        if (!enter.IsCompletedSuccessfully)
        {
            return WaitThenExecuteAsync(enter, descriptor, command, cancellationToken);
        }

        ValueTask pending;
        try
        {
            pending = DispatchAsync(command, cancellationToken);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            HandleFailure(command, descriptor, e, cancellationToken);
            _taskSet.Exit(attribute);
            return default;
        }

        if (pending.IsCompletedSuccessfully)
        {
            _taskSet.Exit(attribute);
            return default;
        }

        return CompleteAsync(pending, descriptor, command, cancellationToken);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WaitThenExecuteAsync(ValueTask enter, CommandDescriptor descriptor, ScsiCommand command, CancellationToken cancellationToken)
    {
        try
        {
            await enter.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            command.Status = ScsiStatus.TaskAborted;
            return;
        }

        ValueTask pending;
        try
        {
            pending = DispatchAsync(command, cancellationToken);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            HandleFailure(command, descriptor, e, cancellationToken);
            _taskSet.Exit(command.TaskAttribute);
            return;
        }

        await CompleteAsync(pending, descriptor, command, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Awaits a dispatched command, turns its failure into sense, and leaves the task set.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask CompleteAsync(ValueTask pending, CommandDescriptor descriptor, ScsiCommand command, CancellationToken cancellationToken)
    {
        try
        {
            await pending.ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            HandleFailure(command, descriptor, e, cancellationToken);
        }
        finally
        {
            _taskSet.Exit(command.TaskAttribute);
        }
    }

    private void HandleFailure(ScsiCommand command, CommandDescriptor descriptor, Exception e, CancellationToken cancellationToken)
    {
        switch (e)
        {
            case BackstoreException backstore:
                FailFromBackstore(command, descriptor, backstore);
                break;
            case OperationCanceledException when cancellationToken.IsCancellationRequested:
                command.Status = ScsiStatus.TaskAborted;
                command.SenseLength = 0;
                command.DataLength = 0;
                break;
            default:
                // A bug of ours must not take the unit down: report it as INTERNAL TARGET FAILURE and log it.
                LogUnexpectedFailure(_logger, descriptor.Name, e);
                command.DataLength = 0;
                Fail(command, SenseCode.InternalTargetFailure);
                break;
        }
    }

    /// <summary>Establishes a unit attention for every active I_T nexus except <paramref name="except"/>.</summary>
    public void EstablishUnitAttention(UnitAttention condition, ItNexus? except = null)
    {
        foreach (var (nexus, state) in _nexuses)
        {
            if (state.Active && !ReferenceEquals(nexus, except))
            {
                state.Add(condition);
            }
        }
    }

    /// <summary>Establishes a unit attention for one I_T nexus (e.g. COMMANDS CLEARED BY ANOTHER INITIATOR, SAM-5).</summary>
    public void EstablishUnitAttentionFor(ItNexus nexus, UnitAttention condition) => GetNexusState(nexus)?.Add(condition);

    /// <summary>Pending unit attentions of a nexus (for tests and diagnostics).</summary>
    public UnitAttention PendingUnitAttentions(ItNexus nexus) =>
        _nexuses.TryGetValue(nexus, out var state) ? state.Pending : UnitAttention.None;

    /// <summary>
    /// Re-reads the backstore's length; if it changed, every nexus gets CAPACITY DATA HAS CHANGED so initiators
    /// re-read the capacity. Returns true when it changed.
    /// </summary>
    public bool RefreshCapacity()
    {
        var blocks = Backstore.RefreshLength() / BlockSize;
        var previous = Interlocked.Exchange(ref _blockCount, blocks);
        if (previous == blocks)
        {
            return false;
        }

        EstablishUnitAttention(UnitAttention.CapacityDataChanged);
        CapacityChanged?.Invoke(this, new CapacityChangedEventArgs(previous, blocks));
        return true;
    }

    /// <summary>
    /// LOGICAL UNIT RESET (SAM-5 7.7): clears PREVENT state, releases an SPC-2 reservation (SPC-2 5.5.1) and sets BUS
    /// DEVICE RESET FUNCTION OCCURRED for every nexus. Persistent reservations and registrations stay (SPC-5 5.13.1).
    /// Aborting the tasks themselves is the front end's part (it owns them).
    /// </summary>
    public void Reset()
    {
        ReleaseSpc2Reservation(holder: null);
        foreach (var state in _nexuses.Values)
        {
            state.PreventsRemoval = false;
            if (state.Active)
            {
                state.Add(UnitAttention.BusDeviceReset);
            }
        }
    }

    /// <summary>
    /// I_T nexus loss (the session ended): its PREVENT, pending unit attentions and SPC-2 reservation go (SPC-2
    /// 5.5.1: I_T nexus loss releases it). Its persistent reservation registrations stay: SPC-5 5.13.1 keeps them
    /// across I_T nexus loss, and a later nexus from the same initiator port and target port is the same registrant.
    /// </summary>
    public void RemoveNexus(ItNexus nexus)
    {
        ArgumentNullException.ThrowIfNull(nexus);
        ReleaseSpc2Reservation(nexus);
        if (_nexuses.TryGetValue(nexus, out var state))
        {
            // Kept, inactive: unit attentions raised while it is away are not queued for it, and when the same
            // initiator port logs in again it is not greeted with POWER ON as if the unit had restarted.
            state.Deactivate();
        }
    }

    internal NexusState? GetNexusState(ItNexus? nexus)
    {
        if (nexus is null)
        {
            return null;
        }

        if (_nexuses.TryGetValue(nexus, out var state))
        {
            if (!state.Active)
            {
                state.Active = true;
            }

            return state;
        }

        var initial = Options.PowerOnUnitAttention ? UnitAttention.PowerOnReset : UnitAttention.None;
        return _nexuses.GetOrAdd(nexus, new NexusState(initial, Options.UnitAttentionsByEngine));
    }

    /// <summary>False for commands this unit does not offer (UNMAP without backstore support, PERSISTENT RESERVE
    /// IN/OUT when the engine does not own reservations); Admit and REPORT SUPPORTED OPERATION CODES both ask.</summary>
    internal bool Offers(CommandDescriptor descriptor) =>
        ((descriptor.Flags & CommandFlags.NeedsUnmap) == 0 || Backstore.SupportsUnmap)
        && (descriptor.Conflict != ConflictClass.PersistentReservation || Options.ReservationsByEngine);

    /// <summary>Establishes <paramref name="condition"/> for every known I_T nexus of <paramref name="registrations"/> except <paramref name="except"/>.</summary>
    internal void EstablishUnitAttentionForRegistrants(UnitAttention condition, IEnumerable<Registration> registrations, ItNexus? except)
    {
        foreach (var nexus in NexusesOf(registrations))
        {
            if (!ReferenceEquals(nexus, except))
            {
                GetNexusState(nexus)?.Add(condition);
            }
        }
    }

    /// <summary>The I_T nexuses this unit knows that <paramref name="registrations"/> are for.</summary>
    internal List<ItNexus> NexusesOf(IEnumerable<Registration> registrations)
    {
        var found = new List<ItNexus>();
        foreach (var nexus in _nexuses.Keys)
        {
            foreach (var registration in registrations)
            {
                if (registration.Matches(nexus))
                {
                    found.Add(nexus);
                    break;
                }
            }
        }

        return found;
    }

    /// <summary>PREEMPT AND ABORT: PREVENT is released for the preempted nexuses (SPC-5 5.13.11.2.6 h) and the front
    /// end is told to abort their commands.</summary>
    internal void AbortTasksOf(List<ItNexus> nexuses, ScsiCommand preempting)
    {
        foreach (var nexus in nexuses)
        {
            if (_nexuses.TryGetValue(nexus, out var state))
            {
                state.PreventsRemoval = false;
            }
        }

        if (nexuses.Count > 0)
        {
            TasksAborted?.Invoke(this, new TasksAbortedEventArgs(nexuses, preempting));
        }
    }

    internal bool AnyNexusPreventsRemoval()
    {
        foreach (var state in _nexuses.Values)
        {
            if (state.PreventsRemoval)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The checks every command passes before it may run: a known opcode, a well-formed CDB, unit attentions,
    /// reservation conflicts, write protection. Returns null when the command already has its outcome (CHECK
    /// CONDITION or RESERVATION CONFLICT).
    /// </summary>
    private CommandDescriptor? Admit(ScsiCommand command)
    {
        var cdb = command.Cdb;
        if (cdb.IsEmpty)
        {
            Fail(command, SenseCode.InvalidCommandOperationCode, FieldPointer.Cdb(0));
            return null;
        }

        var descriptor = CommandTable.Find(cdb);
        if (descriptor is not null && !Offers(descriptor))
        {
            descriptor = null;
        }

        var nexus = GetNexusState(command.Nexus);
        if (nexus is not null && (descriptor is null || (descriptor.Flags & CommandFlags.IgnoresUnitAttention) == 0))
        {
            // SAM-5: any command other than INQUIRY, REPORT LUNS and REQUEST SENSE reports (and so clears) the
            // highest-precedence pending unit attention instead of running.
            var ua = nexus.TakeNext();
            if (ua != UnitAttention.None)
            {
                Fail(command, NexusState.ToSense(ua));
                return null;
            }
        }

        if (descriptor is null)
        {
            if (cdb.Length >= 2 && OffersServiceActionsOf(cdb[0]))
            {
                Fail(command, SenseCode.InvalidFieldInCdb, FieldPointer.Cdb(1, 4));
            }
            else
            {
                Fail(command, SenseCode.InvalidCommandOperationCode, FieldPointer.Cdb(0));
            }

            return null;
        }

        if (cdb.Length < descriptor.CdbLength)
        {
            // A transport that delivers fewer CDB bytes than the command has: nothing to run.
            Fail(command, SenseCode.InvalidFieldInCdb, FieldPointer.Cdb(cdb.Length - 1));
            return null;
        }

        if (!CheckReservedBits(command, descriptor, cdb))
        {
            return null;
        }

        if (command.TaskAttribute == TaskAttribute.Aca)
        {
            // No NormACA support (standard INQUIRY NORMACA=0), so no ACA task can be valid (SAM-5 8.6.5).
            Fail(command, SenseCode.InvalidFieldInCommandInformationUnit);
            return null;
        }

        // SPC-5 5.13.1 (tables 65 and 66), SBC-4 4.17. One volatile read and two tests while the unit has no
        // registration and no reservation, which is the data path's usual case.
        var reservations = Reservations.State;
        if (!reservations.IsEmpty && reservations.Conflicts(command.Nexus, descriptor.Conflict, cdb))
        {
            command.Status = ScsiStatus.ReservationConflict;
            return null;
        }

        if ((descriptor.Flags & CommandFlags.WritesMedium) != 0 && (IsReadOnly || Mode.SoftwareWriteProtect))
        {
            // SBC-4 write protection: DATA PROTECT, WRITE PROTECTED, before any data moves.
            Fail(command, SenseCode.WriteProtected);
            return null;
        }

        return descriptor;
    }

    // An unknown service action of an offered opcode is INVALID FIELD IN CDB; PERSISTENT RESERVE IN/OUT on a unit
    // whose reservations belong to the core (SCST) are not offered at all: INVALID COMMAND OPERATION CODE.
    private bool OffersServiceActionsOf(byte opcode) =>
        CommandTable.HasServiceActions(opcode)
        && (Options.ReservationsByEngine || opcode is not (OperationCode.PersistentReserveIn or OperationCode.PersistentReserveOut));

    private bool CheckReservedBits(ScsiCommand command, CommandDescriptor descriptor, ReadOnlySpan<byte> cdb)
    {
        var usage = descriptor.Usage;
        var last = usage.Length - 1;
        for (var i = 1; i < last; i++)
        {
            var allowed = usage[i];
            if (i == 1)
            {
                allowed |= descriptor.ServiceActionMask;
            }

            var bad = cdb[i] & ~allowed;
            if (bad != 0)
            {
                Fail(command, SenseCode.InvalidFieldInCdb, FieldPointer.Cdb(i, 31 - int.LeadingZeroCount(bad)));
                return false;
            }
        }

        // SAM-5 CONTROL byte: NACA=1 needs NormACA, which we do not offer; LINK and FLAG are obsolete.
        var control = cdb[last] & 0x07;
        if (control != 0)
        {
            Fail(command, SenseCode.InvalidFieldInCdb, FieldPointer.Cdb(last, 31 - int.LeadingZeroCount(control)));
            return false;
        }

        return true;
    }

    private ValueTask DispatchAsync(ScsiCommand command, CancellationToken cancellationToken)
    {
        var cdb = command.Cdb;
        switch (cdb[0])
        {
            case OperationCode.Read6 or OperationCode.Read10 or OperationCode.Read12 or OperationCode.Read16:
                return ReadWrite.ReadAsync(this, command, cancellationToken);
            case OperationCode.Write6 or OperationCode.Write10 or OperationCode.Write12 or OperationCode.Write16:
                return ReadWrite.WriteAsync(this, command, cancellationToken);
        }

        // READ and WRITE count themselves (with their bytes); everything else is counted here.
        Counters.Other();
        switch (cdb[0])
        {
            case OperationCode.WriteAndVerify10 or OperationCode.WriteAndVerify12 or OperationCode.WriteAndVerify16:
                return Verify.WriteAndVerifyAsync(this, command, cancellationToken);
            case OperationCode.Verify10 or OperationCode.Verify12 or OperationCode.Verify16:
                return Verify.VerifyAsync(this, command, cancellationToken);
            case OperationCode.CompareAndWrite:
                return CompareAndWrite.ExecuteAsync(this, command, cancellationToken);
            case OperationCode.WriteSame10 or OperationCode.WriteSame16:
                return WriteSame.ExecuteAsync(this, command, cancellationToken);
            case OperationCode.Unmap:
                return Unmap.ExecuteAsync(this, command, cancellationToken);
            case OperationCode.SynchronizeCache10 or OperationCode.SynchronizeCache16:
                return SynchronizeCache.ExecuteAsync(this, command, cancellationToken);
            case OperationCode.ServiceActionIn16 when (cdb[1] & 0x1F) == OperationCode.GetLbaStatusServiceAction:
                return GetLbaStatus.ExecuteAsync(this, command, cancellationToken);
            case OperationCode.TestUnitReady:
                return default;
            case OperationCode.Inquiry:
                Inquiry.Execute(this, command);
                return default;
            case OperationCode.RequestSense:
                RequestSense.Execute(this, command);
                return default;
            case OperationCode.ReadCapacity10:
                ReadCapacity.Execute10(this, command);
                return default;
            case OperationCode.ServiceActionIn16:
                ReadCapacity.Execute16(this, command);
                return default;
            case OperationCode.ModeSense6 or OperationCode.ModeSense10:
                ModeSense.Execute(this, command);
                return default;
            case OperationCode.ModeSelect6 or OperationCode.ModeSelect10:
                ModeSelect.Execute(this, command);
                return default;
            case OperationCode.PreFetch10 or OperationCode.PreFetch16:
                PreFetch.Execute(this, command);
                return default;
            case OperationCode.StartStopUnit:
                return StartStopUnit.ExecuteAsync(this, command, cancellationToken);
            case OperationCode.PreventAllowMediumRemoval:
                PreventAllow.Execute(this, command);
                return default;
            case OperationCode.ReportLuns:
                ReportLuns.Execute(this, command);
                return default;
            case OperationCode.MaintenanceIn when (cdb[1] & 0x1F) == OperationCode.ReportSupportedOperationCodesServiceAction:
                ReportSupportedOperationCodes.Execute(this, command);
                return default;
            case OperationCode.MaintenanceIn:
                ReportSupportedTaskManagementFunctions.Execute(this, command);
                return default;
            case OperationCode.PersistentReserveIn:
                PersistentReserveIn.Execute(this, command);
                return default;
            case OperationCode.PersistentReserveOut:
                PersistentReserveOut.Execute(this, command);
                return default;
            case OperationCode.Reserve6 or OperationCode.Reserve10:
                ReserveRelease.Reserve(this, command);
                return default;
            case OperationCode.Release6 or OperationCode.Release10:
                ReserveRelease.Release(this, command);
                return default;
            default:
                Fail(command, SenseCode.InvalidCommandOperationCode, FieldPointer.Cdb(0));
                return default;
        }
    }

    // ---- helpers the command classes share ----

    /// <summary>Ends the command with CHECK CONDITION and sense in the unit's current format.</summary>
    internal void Fail(ScsiCommand command, SenseCode code, FieldPointer? pointer = null, ulong? information = null)
    {
        command.Status = ScsiStatus.CheckCondition;
        command.SenseLength = SenseData.Write(command.SenseSpan, Mode.DescriptorSense, code, information, pointer);
        Counters.CheckCondition(code.Key);
    }

    internal void FailCdb(ScsiCommand command, int byteOffset, int bit = -1) =>
        Fail(command, SenseCode.InvalidFieldInCdb, FieldPointer.Cdb(byteOffset, bit));

    internal void FailParameter(ScsiCommand command, int byteOffset, int bit = -1) =>
        Fail(command, SenseCode.InvalidFieldInParameterList, FieldPointer.Parameter(byteOffset, bit));


    /// <summary>
    /// Claims exactly <paramref name="needed"/> bytes of data-out, for commands whose data-out size the CDB fixes
    /// completely (COMPARE AND WRITE, WRITE SAME): any other size means the CDB and the transfer disagree, which
    /// is INVALID FIELD IN CDB at <paramref name="lengthField"/> (libiscsi's *InvalidDataOutSize tests expect it).
    /// </summary>
    internal bool TryTakeExactDataOut(ScsiCommand command, long needed, int lengthField, out Memory<byte> data)
    {
        command.SetResidual(needed);
        if (needed != command.ExpectedTransferLength || needed > command.Data.Length)
        {
            FailCdb(command, lengthField);
            data = default;
            return false;
        }

        data = command.Data[..(int)needed];
        command.DataLength = (int)needed;
        return true;
    }

    /// <summary>
    /// Claims <paramref name="needed"/> bytes of data-out. When the transport carried less than the command needs
    /// (SPDTL > EDTL) the command is refused with INVALID FIELD IN COMMAND INFORMATION UNIT and no data is used:
    /// FCP-4 and RFC 7143 allow this or a truncated transfer, and refusing never writes half a command.
    /// </summary>
    internal bool TryTakeDataOut(ScsiCommand command, long needed, out Memory<byte> data)
    {
        command.SetResidual(needed);
        if (needed > command.ExpectedTransferLength || needed > command.Data.Length)
        {
            Fail(command, SenseCode.InvalidFieldInCommandInformationUnit);
            data = default;
            return false;
        }

        data = command.Data[..(int)needed];
        command.DataLength = (int)needed;
        return true;
    }

    /// <summary>SBC-4: LBA + count must not pass the last block (LOGICAL BLOCK ADDRESS OUT OF RANGE).</summary>
    internal bool CheckRange(ScsiCommand command, ulong lba, ulong blocks)
    {
        var capacity = (ulong)BlockCount;
        if (lba > capacity || blocks > capacity - lba)
        {
            Fail(command, SenseCode.LbaOutOfRange);
            return false;
        }

        return true;
    }

    private void ReleaseSpc2Reservation(ItNexus? holder)
    {
        lock (Reservations.Gate)
        {
            var state = Reservations.State;
            if (state.Spc2Holder is not null && (holder is null || ReferenceEquals(state.Spc2Holder, holder)))
            {
                Reservations.Publish(state.WithSpc2Holder(null));
            }
        }
    }

    private void FailFromBackstore(ScsiCommand command, CommandDescriptor descriptor, BackstoreException e)
    {
        Counters.BackstoreError();
        command.DataLength = 0;
        // A failed flush lost written data: WRITE ERROR, as for a failed write.
        var writes = (descriptor.Flags & CommandFlags.WritesMedium) != 0
            || descriptor.OperationCode is OperationCode.SynchronizeCache10 or OperationCode.SynchronizeCache16 or OperationCode.StartStopUnit;
        var code = e.Error switch
        {
            BackstoreError.MediumError => writes ? SenseCode.WriteError : SenseCode.UnrecoveredReadError,
            BackstoreError.OutOfRange => SenseCode.LbaOutOfRange,
            BackstoreError.NoSpace => SenseCode.SpaceAllocationFailedWriteProtect,
            BackstoreError.NotReady => SenseCode.NotReadyCauseNotReportable,
            BackstoreError.Transient => SenseCode.InternalTargetFailureRetryable,
            BackstoreError.WriteProtected => SenseCode.WriteProtected,
            _ => SenseCode.InternalTargetFailure,
        };
        LogBackstoreFailure(_logger, descriptor.Name, e.Error, e.Message);
        Fail(command, code);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Command} failed in the backstore ({Error}): {Reason}")]
    private static partial void LogBackstoreFailure(ILogger logger, string command, BackstoreError error, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Command} failed unexpectedly; answered INTERNAL TARGET FAILURE")]
    private static partial void LogUnexpectedFailure(ILogger logger, string command, Exception exception);
}
