using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using UserDisk.Scsi.Commands;
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
        Mode = new ModeParameters(Options.WriteCacheEnabled, Options.DescriptorSense);
    }

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

    /// <summary>Current mode parameters (Caching and Control pages).</summary>
    public ModeParameters Mode { get; }

    /// <summary>Answers REPORT LUNS for front ends that route it to a logical unit; null reports LUN 0 only.</summary>
    public Func<IReadOnlyList<ulong>>? LunInventory { get; set; }

    /// <summary>Commands running now (not counting HEAD OF QUEUE).</summary>
    public int RunningCommands => _taskSet.Running;

    internal RangeLock WriteLock { get; } = new();

    /// <summary>
    /// Executes one command. On return the command's status, sense, data length and residual are set; the
    /// method does not throw for anything an initiator can send or a backstore can fail with.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask ExecuteAsync(ScsiCommand command, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.ResetOutcome();
        var descriptor = Admit(command);
        if (descriptor is null)
        {
            return;
        }

        var attribute = command.TaskAttribute;
        try
        {
            await _taskSet.EnterAsync(attribute, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            command.Status = ScsiStatus.TaskAborted;
            return;
        }

        try
        {
            await DispatchAsync(command, cancellationToken).ConfigureAwait(false);
        }
        catch (BackstoreException e)
        {
            FailFromBackstore(command, descriptor, e);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            command.Status = ScsiStatus.TaskAborted;
            command.SenseLength = 0;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A bug of ours must not take the unit down: report it as INTERNAL TARGET FAILURE and log it.
            LogUnexpectedFailure(_logger, descriptor.Name, e);
            Fail(command, SenseCode.InternalTargetFailure);
        }
        finally
        {
            _taskSet.Exit(attribute);
        }
    }

    /// <summary>Establishes a unit attention for every known I_T nexus except <paramref name="except"/>.</summary>
    public void EstablishUnitAttention(UnitAttention condition, ItNexus? except = null)
    {
        foreach (var (nexus, state) in _nexuses)
        {
            if (!ReferenceEquals(nexus, except))
            {
                state.Add(condition);
            }
        }
    }

    /// <summary>Pending unit attentions of a nexus (for tests and diagnostics).</summary>
    public UnitAttention PendingUnitAttentions(ItNexus nexus) =>
        _nexuses.TryGetValue(nexus, out var state) ? state.Pending : UnitAttention.None;

    /// <summary>
    /// Re-reads the backstore's length; if it changed, every nexus gets CAPACITY DATA HAS CHANGED so initiators
    /// re-read the capacity. Returns true when it changed.
    /// </summary>
    public bool RefreshCapacity()
    {
        var blocks = Backstore.Length / BlockSize;
        if (Interlocked.Exchange(ref _blockCount, blocks) == blocks)
        {
            return false;
        }

        EstablishUnitAttention(UnitAttention.CapacityDataChanged);
        return true;
    }

    /// <summary>
    /// LOGICAL UNIT RESET (SAM-5 7.7): clears PREVENT state and sets BUS DEVICE RESET FUNCTION OCCURRED for every
    /// nexus. Aborting the tasks themselves is the front end's part (it owns them).
    /// </summary>
    public void Reset()
    {
        foreach (var state in _nexuses.Values)
        {
            state.PreventsRemoval = false;
            state.Add(UnitAttention.BusDeviceReset);
        }
    }

    /// <summary>Forgets an I_T nexus whose session ended (its PREVENT and unit attentions go with it).</summary>
    public void RemoveNexus(ItNexus nexus) => _nexuses.TryRemove(nexus, out _);

    internal NexusState? GetNexusState(ItNexus? nexus)
    {
        if (nexus is null)
        {
            return null;
        }

        if (_nexuses.TryGetValue(nexus, out var state))
        {
            return state;
        }

        var initial = Options.PowerOnUnitAttention ? UnitAttention.PowerOnReset : UnitAttention.None;
        return _nexuses.GetOrAdd(nexus, new NexusState(initial));
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
    /// write protection. Returns null when the command already has its (CHECK CONDITION) outcome.
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
        if (descriptor is not null && (descriptor.Flags & CommandFlags.NeedsUnmap) != 0 && !Backstore.SupportsUnmap)
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
            if (CommandTable.HasServiceActions(cdb[0]) && cdb.Length >= 2)
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

        if ((descriptor.Flags & CommandFlags.WritesMedium) != 0 && (IsReadOnly || Mode.SoftwareWriteProtect))
        {
            // SBC-4 write protection: DATA PROTECT, WRITE PROTECTED, before any data moves.
            Fail(command, SenseCode.WriteProtected);
            return null;
        }

        return descriptor;
    }

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
                Fail(command, SenseCode.InvalidFieldInCdb, FieldPointer.Cdb(i, 31 - int.LeadingZeroCount(bad) - 24));
                return false;
            }
        }

        // SAM-5 CONTROL byte: NACA=1 needs NormACA, which we do not offer; LINK and FLAG are obsolete.
        var control = cdb[last] & 0x07;
        if (control != 0)
        {
            Fail(command, SenseCode.InvalidFieldInCdb, FieldPointer.Cdb(last, 31 - int.LeadingZeroCount(control) - 24));
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
                StartStopUnit.Execute(this, command);
                return default;
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
    /// Returns parameter data: at most <paramref name="allocationLength"/> bytes of <paramref name="response"/>,
    /// truncated further to what the transport expects, with the residual set.
    /// </summary>
    internal void CompleteDataIn(ScsiCommand command, ReadOnlySpan<byte> response, long allocationLength)
    {
        var wanted = (int)Math.Min(response.Length, allocationLength);
        var n = Math.Min(wanted, Math.Min(command.ExpectedTransferLength, command.Data.Length));
        response[..n].CopyTo(command.Data.Span);
        command.DataLength = n;
        command.SetResidual(wanted);
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

    private void FailFromBackstore(ScsiCommand command, CommandDescriptor descriptor, BackstoreException e)
    {
        Counters.BackstoreError();
        command.DataLength = 0;
        var writes = (descriptor.Flags & CommandFlags.WritesMedium) != 0;
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
