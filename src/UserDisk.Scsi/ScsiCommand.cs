namespace UserDisk.Scsi;

/// <summary>
/// One SCSI command as a front end hands it to a <see cref="LogicalUnit"/>, and its outcome.
/// </summary>
/// <remarks>
/// Front ends keep a pool of these (one per command slot) and reuse them with <see cref="Reset"/>, so the data
/// path allocates nothing. The CDB and sense buffers are pinned once at construction so a front end can hand
/// their addresses to the kernel (scst_user's psense_buffer) without copying.
/// The data buffer belongs to the front end: for data-out it holds what the initiator sent (all of it, before
/// the engine is called); for data-in the engine writes into it and reports how much in <see cref="DataLength"/>.
/// </remarks>
public sealed class ScsiCommand
{
    /// <summary>SPC-5 4.2.3: a variable-length CDB is at most 260 bytes.</summary>
    public const int MaxCdbLength = 260;

    /// <summary>SPC-5 4.4.1: sense data is at most 252 bytes.</summary>
    public const int MaxSenseLength = 252;

    private readonly byte[] _cdb = GC.AllocateArray<byte>(MaxCdbLength, pinned: true);
    private readonly byte[] _sense = GC.AllocateArray<byte>(MaxSenseLength, pinned: true);

    /// <summary>The CDB bytes the front end set.</summary>
    public ReadOnlySpan<byte> Cdb => _cdb.AsSpan(0, CdbLength);

    public int CdbLength { get; private set; }

    /// <summary>The I_T nexus the command arrived on.</summary>
    public ItNexus? Nexus { get; set; }

    /// <summary>The transport's tag (iSCSI ITT, scst cmd_h), used by task management to find the command.</summary>
    public ulong Tag { get; set; }

    public TaskAttribute TaskAttribute { get; set; }

    public DataDirection Direction { get; set; }

    /// <summary>The transport's expected data transfer length (iSCSI EDTL, FCP_DL).</summary>
    public int ExpectedTransferLength { get; set; }

    /// <summary>The front end's data buffer (at least <see cref="ExpectedTransferLength"/> bytes).</summary>
    public Memory<byte> Data { get; set; }

    // ---- outcome ----

    public ScsiStatus Status { get; internal set; }

    /// <summary>Bytes of data-in written to <see cref="Data"/>, or data-out consumed.</summary>
    public int DataLength { get; internal set; }

    public ResidualKind ResidualKind { get; internal set; }

    public int ResidualCount { get; internal set; }

    public int SenseLength { get; internal set; }

    public ReadOnlySpan<byte> Sense => _sense.AsSpan(0, SenseLength);

    /// <summary>The pinned sense array (its address is stable for the life of this object).</summary>
    public byte[] SenseBuffer => _sense;

    /// <summary>The pinned CDB array, for front ends that receive the CDB in place.</summary>
    public byte[] CdbBuffer => _cdb;

    internal Span<byte> SenseSpan => _sense;

    /// <summary>Copies <paramref name="cdb"/> in. Longer than <see cref="MaxCdbLength"/> is the front end's bug.</summary>
    public void SetCdb(ReadOnlySpan<byte> cdb)
    {
        if (cdb.Length > MaxCdbLength)
        {
            throw new ArgumentOutOfRangeException(nameof(cdb), cdb.Length, $"A CDB is at most {MaxCdbLength} bytes.");
        }

        cdb.CopyTo(_cdb);
        CdbLength = cdb.Length;
    }

    /// <summary>Sets the CDB length after the front end wrote <see cref="CdbBuffer"/> directly.</summary>
    public void SetCdbLength(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, MaxCdbLength);
        CdbLength = length;
    }

    /// <summary>Prepares the object for the next command.</summary>
    public void Reset()
    {
        CdbLength = 0;
        Nexus = null;
        Tag = 0;
        TaskAttribute = TaskAttribute.Simple;
        Direction = DataDirection.None;
        ExpectedTransferLength = 0;
        Data = default;
        ResetOutcome();
    }

    internal void ResetOutcome()
    {
        Status = ScsiStatus.Good;
        DataLength = 0;
        ResidualKind = ResidualKind.None;
        ResidualCount = 0;
        SenseLength = 0;
    }

    /// <summary>
    /// Ends the command with a status the transport decides without the engine (TASK SET FULL when the front end's
    /// buffers are exhausted, BUSY), with no sense and no data.
    /// </summary>
    public void CompleteWithoutExecution(ScsiStatus status)
    {
        ResetOutcome();
        Status = status;
    }

    /// <summary>
    /// Ends the command with CHECK CONDITION and sense the front end decides without the engine (a CDB the transport
    /// could not deliver whole), in fixed or descriptor format.
    /// </summary>
    public void CompleteWithSense(SenseCode code, bool descriptorFormat)
    {
        ResetOutcome();
        Status = ScsiStatus.CheckCondition;
        SenseLength = SenseData.Write(_sense, descriptorFormat, code);
    }

    /// <summary>
    /// Returns parameter data: at most <paramref name="allocationLength"/> bytes of <paramref name="response"/>,
    /// truncated further to what the transport expects, with the residual set.
    /// </summary>
    internal void CompleteDataIn(ReadOnlySpan<byte> response, long allocationLength)
    {
        var wanted = (int)Math.Min(response.Length, allocationLength);
        var n = Math.Min(wanted, Math.Min(ExpectedTransferLength, Data.Length));
        response[..n].CopyTo(Data.Span);
        DataLength = n;
        SetResidual(wanted);
    }

    /// <summary>Records the residual for a command that wanted <paramref name="wanted"/> bytes (SPDTL).</summary>
    internal void SetResidual(long wanted)
    {
        long expected = ExpectedTransferLength;
        if (wanted < expected)
        {
            ResidualKind = ResidualKind.Underflow;
            ResidualCount = (int)(expected - wanted);
        }
        else if (wanted > expected)
        {
            ResidualKind = ResidualKind.Overflow;
            ResidualCount = (int)Math.Min(wanted - expected, int.MaxValue);
        }
        else
        {
            ResidualKind = ResidualKind.None;
            ResidualCount = 0;
        }
    }

    public override string ToString() => CdbLength == 0 ? "(no CDB)" : $"op {_cdb[0]:X2} tag {Tag} {Status}";
}
