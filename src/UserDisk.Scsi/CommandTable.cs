using System.Collections.Frozen;
using static UserDisk.Scsi.OperationCode;

namespace UserDisk.Scsi;

/// <summary>
/// Every command the engine implements, with the CDB layouts of SBC-4 and SPC-5. Dispatch, reserved-bit checks,
/// read-only enforcement, reservation conflict checks and REPORT SUPPORTED OPERATION CODES all read this one table.
/// PERSISTENT RESERVE IN/OUT (<see cref="ConflictClass.PersistentReservation"/>) are offered only by units whose
/// <see cref="LogicalUnitOptions.ReservationsByEngine"/> is set.
/// </summary>
public static class CommandTable
{
    // Last CDB byte of every command: NACA (bit 2) and the obsolete FLAG/LINK bits are evaluated (and refused).
    private const byte Ctl = 0x07;
    private const byte Ff = 0xFF;

    private const CommandFlags In = CommandFlags.DataIn;
    private const CommandFlags Out = CommandFlags.DataOut;
    private const CommandFlags Wm = CommandFlags.WritesMedium;

    // Reservation conflict classes (SPC-5 table 65, SBC-4 table 13); see ConflictClass.
    private const ConflictClass Ok = ConflictClass.Allowed;
    private const ConflictClass Rd = ConflictClass.Read;
    private const ConflictClass Wr = ConflictClass.Write;
    private const ConflictClass Pr = ConflictClass.PersistentReservation;
    private const ConflictClass Rr = ConflictClass.Spc2Reservation;

    /// <summary>All commands, in opcode order.</summary>
    public static IReadOnlyList<CommandDescriptor> All { get; } =
    [
        new("TEST UNIT READY", CommandFlags.None, [TestUnitReady, 0, 0, 0, 0, Ctl], conflict: Ok),
        new("REQUEST SENSE", In | CommandFlags.IgnoresUnitAttention, [RequestSense, 0x01, 0, 0, Ff, Ctl], conflict: Ok),
        new("READ(6)", In, [Read6, 0x1F, Ff, Ff, Ff, Ctl], conflict: Rd),
        new("WRITE(6)", Out | Wm, [Write6, 0x1F, Ff, Ff, Ff, Ctl], conflict: Wr),
        new("INQUIRY", In | CommandFlags.IgnoresUnitAttention, [Inquiry, 0x03, Ff, Ff, Ff, Ctl], conflict: Ok),
        new("MODE SELECT(6)", Out, [ModeSelect6, 0x11, 0, 0, Ff, Ctl], conflict: Wr),

        // SPC-2 RESERVE/RELEASE: no third-party or extent reservations, so every field but CONTROL is reserved.
        new("RESERVE(6)", CommandFlags.None, [Reserve6, 0, 0, 0, 0, Ctl], conflict: Rr),
        new("RELEASE(6)", CommandFlags.None, [Release6, 0, 0, 0, 0, Ctl], conflict: Rr),
        new("MODE SENSE(6)", In, [ModeSense6, 0x08, Ff, Ff, Ff, Ctl], conflict: Rd),
        new("START STOP UNIT", CommandFlags.None, [StartStopUnit, 0x01, 0, 0x0F, 0xF7, Ctl], conflict: ConflictClass.StartStop),
        new("PREVENT ALLOW MEDIUM REMOVAL", CommandFlags.None, [PreventAllowMediumRemoval, 0, 0, 0, 0x03, Ctl], conflict: ConflictClass.PreventAllow),
        new("READ CAPACITY(10)", In, [ReadCapacity10, 0, Ff, Ff, Ff, Ff, 0, 0, 0x01, Ctl], conflict: Ok),
        new("READ(10)", In, [Read10, 0xFE, Ff, Ff, Ff, Ff, 0x3F, Ff, Ff, Ctl], conflict: Rd),
        new("WRITE(10)", Out | Wm, [Write10, 0xFA, Ff, Ff, Ff, Ff, 0x3F, Ff, Ff, Ctl], conflict: Wr),
        new("WRITE AND VERIFY(10)", Out | Wm, [WriteAndVerify10, 0xF6, Ff, Ff, Ff, Ff, 0x3F, Ff, Ff, Ctl], conflict: Wr),
        new("VERIFY(10)", Out, [Verify10, 0xF6, Ff, Ff, Ff, Ff, 0x3F, Ff, Ff, Ctl], conflict: Rd),
        new("PRE-FETCH(10)", CommandFlags.None, [PreFetch10, 0x02, Ff, Ff, Ff, Ff, 0x3F, Ff, Ff, Ctl], conflict: Rd),
        new("SYNCHRONIZE CACHE(10)", CommandFlags.None, [SynchronizeCache10, 0x06, Ff, Ff, Ff, Ff, 0x3F, Ff, Ff, Ctl], conflict: Wr),
        new("WRITE SAME(10)", Out | Wm, [WriteSame10, 0xFE, Ff, Ff, Ff, Ff, 0x3F, Ff, Ff, Ctl], conflict: Wr),
        new("UNMAP", Out | Wm | CommandFlags.NeedsUnmap, [Unmap, 0x01, 0, 0, 0, 0, 0x3F, Ff, Ff, Ctl], conflict: Wr),
        new("MODE SELECT(10)", Out, [ModeSelect10, 0x11, 0, 0, 0, 0, 0, Ff, Ff, Ctl], conflict: Wr),
        new("RESERVE(10)", CommandFlags.None, [Reserve10, 0, 0, 0, 0, 0, 0, 0, 0, Ctl], conflict: Rr),
        new("RELEASE(10)", CommandFlags.None, [Release10, 0, 0, 0, 0, 0, 0, 0, 0, Ctl], conflict: Rr),
        new("MODE SENSE(10)", In, [ModeSense10, 0x18, Ff, Ff, 0, 0, 0, Ff, Ff, Ctl], conflict: Rd),
        new("PERSISTENT RESERVE IN / READ KEYS", In, [PersistentReserveIn, ReadKeysServiceAction, 0, 0, 0, 0, 0, Ff, Ff, Ctl], 0x1F, Pr),
        new("PERSISTENT RESERVE IN / READ RESERVATION", In, [PersistentReserveIn, ReadReservationServiceAction, 0, 0, 0, 0, 0, Ff, Ff, Ctl], 0x1F, Pr),
        new("PERSISTENT RESERVE IN / REPORT CAPABILITIES", In, [PersistentReserveIn, ReportCapabilitiesServiceAction, 0, 0, 0, 0, 0, Ff, Ff, Ctl], 0x1F, Pr),
        new("PERSISTENT RESERVE IN / READ FULL STATUS", In, [PersistentReserveIn, ReadFullStatusServiceAction, 0, 0, 0, 0, 0, Ff, Ff, Ctl], 0x1F, Pr),
        new("PERSISTENT RESERVE OUT / REGISTER", Out, [PersistentReserveOut, RegisterServiceAction, Ff, 0, 0, Ff, Ff, Ff, Ff, Ctl], 0x1F, Pr),
        new("PERSISTENT RESERVE OUT / RESERVE", Out, [PersistentReserveOut, ReserveServiceAction, Ff, 0, 0, Ff, Ff, Ff, Ff, Ctl], 0x1F, Pr),
        new("PERSISTENT RESERVE OUT / RELEASE", Out, [PersistentReserveOut, ReleaseServiceAction, Ff, 0, 0, Ff, Ff, Ff, Ff, Ctl], 0x1F, Pr),
        new("PERSISTENT RESERVE OUT / CLEAR", Out, [PersistentReserveOut, ClearServiceAction, Ff, 0, 0, Ff, Ff, Ff, Ff, Ctl], 0x1F, Pr),
        new("PERSISTENT RESERVE OUT / PREEMPT", Out, [PersistentReserveOut, PreemptServiceAction, Ff, 0, 0, Ff, Ff, Ff, Ff, Ctl], 0x1F, Pr),
        new("PERSISTENT RESERVE OUT / PREEMPT AND ABORT", Out, [PersistentReserveOut, PreemptAndAbortServiceAction, Ff, 0, 0, Ff, Ff, Ff, Ff, Ctl], 0x1F, Pr),
        new("PERSISTENT RESERVE OUT / REGISTER AND IGNORE EXISTING KEY", Out, [PersistentReserveOut, RegisterAndIgnoreExistingKeyServiceAction, Ff, 0, 0, Ff, Ff, Ff, Ff, Ctl], 0x1F, Pr),
        new("PERSISTENT RESERVE OUT / REGISTER AND MOVE", Out, [PersistentReserveOut, RegisterAndMoveServiceAction, Ff, 0, 0, Ff, Ff, Ff, Ff, Ctl], 0x1F, Pr),
        new("READ(16)", In, [Read16, 0xFE, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, 0x3F, Ctl], conflict: Rd),
        new("COMPARE AND WRITE", Out | Wm, [CompareAndWrite, 0xFA, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, 0, 0, 0, Ff, 0x3F, Ctl], conflict: Wr),
        new("WRITE(16)", Out | Wm, [Write16, 0xFA, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, 0x3F, Ctl], conflict: Wr),
        new("WRITE AND VERIFY(16)", Out | Wm, [WriteAndVerify16, 0xF6, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, 0x3F, Ctl], conflict: Wr),
        new("VERIFY(16)", Out, [Verify16, 0xF6, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, 0x3F, Ctl], conflict: Rd),
        new("PRE-FETCH(16)", CommandFlags.None, [PreFetch16, 0x02, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, 0x3F, Ctl], conflict: Rd),
        new("SYNCHRONIZE CACHE(16)", CommandFlags.None, [SynchronizeCache16, 0x06, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, 0x3F, Ctl], conflict: Wr),
        new("WRITE SAME(16)", Out | Wm, [WriteSame16, 0xFF, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, 0x3F, Ctl], conflict: Wr),
        new("READ CAPACITY(16)", In, [ServiceActionIn16, ReadCapacity16ServiceAction, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, 0x01, Ctl], 0x1F, Ok),
        new("GET LBA STATUS", In, [ServiceActionIn16, GetLbaStatusServiceAction, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, 0, Ctl], 0x1F, Rd),
        new("REPORT LUNS", In | CommandFlags.IgnoresUnitAttention, [ReportLuns, 0, Ff, 0, 0, 0, Ff, Ff, Ff, Ff, 0, Ctl], conflict: Ok),
        new("REPORT SUPPORTED OPERATION CODES", In, [MaintenanceIn, ReportSupportedOperationCodesServiceAction, 0x87, Ff, Ff, Ff, Ff, Ff, Ff, Ff, 0, Ctl], 0x1F, Rd),
        new("REPORT SUPPORTED TASK MANAGEMENT FUNCTIONS", In, [MaintenanceIn, ReportSupportedTaskManagementFunctionsServiceAction, 0x80, 0, 0, 0, Ff, Ff, Ff, Ff, 0, Ctl], 0x1F, Rd),
        new("READ(12)", In, [Read12, 0xFE, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, 0x3F, Ctl], conflict: Rd),
        new("WRITE(12)", Out | Wm, [Write12, 0xFA, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, 0x3F, Ctl], conflict: Wr),
        new("WRITE AND VERIFY(12)", Out | Wm, [WriteAndVerify12, 0xF6, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, 0x3F, Ctl], conflict: Wr),
        new("VERIFY(12)", Out, [Verify12, 0xF6, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, 0x3F, Ctl], conflict: Rd),
    ];

    private static readonly CommandDescriptor?[] ByOpcode = BuildByOpcode();
    private static readonly FrozenDictionary<int, CommandDescriptor> ByServiceAction =
        All.Where(d => d.ServiceAction >= 0).ToFrozenDictionary(d => (d.OperationCode << 8) | d.ServiceAction);

    /// <summary>True when commands with this opcode carry a service action in byte 1.</summary>
    public static bool HasServiceActions(byte opcode) => opcode is ServiceActionIn16 or MaintenanceIn or PersistentReserveIn or PersistentReserveOut;

    /// <summary>Finds the command for an opcode without service actions; null if unsupported.</summary>
    public static CommandDescriptor? Find(byte opcode) => ByOpcode[opcode];

    /// <summary>Finds the command for an opcode and service action; null if unsupported.</summary>
    public static CommandDescriptor? Find(byte opcode, int serviceAction) =>
        ByServiceAction.TryGetValue((opcode << 8) | serviceAction, out var d) ? d : null;

    /// <summary>Finds the command a CDB names, reading the service action where the opcode has them.</summary>
    public static CommandDescriptor? Find(ReadOnlySpan<byte> cdb)
    {
        var opcode = cdb[0];
        if (!HasServiceActions(opcode))
        {
            return ByOpcode[opcode];
        }

        return cdb.Length < 2 ? null : Find(opcode, cdb[1] & 0x1F);
    }

    private static CommandDescriptor?[] BuildByOpcode()
    {
        var table = new CommandDescriptor?[256];
        foreach (var d in All)
        {
            if (d.ServiceAction < 0)
            {
                table[d.OperationCode] = d;
            }
        }

        return table;
    }
}
