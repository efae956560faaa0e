using System.Collections.Frozen;
using static UserDisk.Scsi.OperationCode;

namespace UserDisk.Scsi;

/// <summary>
/// Every command the engine implements, with the CDB layouts of SBC-4 and SPC-5. Dispatch, reserved-bit checks,
/// read-only enforcement and REPORT SUPPORTED OPERATION CODES all read this one table.
/// </summary>
public static class CommandTable
{
    // Last CDB byte of every command: NACA (bit 2) and the obsolete FLAG/LINK bits are evaluated (and refused).
    private const byte Ctl = 0x07;
    private const byte Ff = 0xFF;

    private const CommandFlags In = CommandFlags.DataIn;
    private const CommandFlags Out = CommandFlags.DataOut;
    private const CommandFlags Wm = CommandFlags.WritesMedium;

    /// <summary>All commands, in opcode order.</summary>
    public static IReadOnlyList<CommandDescriptor> All { get; } =
    [
        new("TEST UNIT READY", CommandFlags.None, [TestUnitReady, 0, 0, 0, 0, Ctl]),
        new("REQUEST SENSE", In | CommandFlags.IgnoresUnitAttention, [RequestSense, 0x01, 0, 0, Ff, Ctl]),
        new("READ(6)", In, [Read6, 0x1F, Ff, Ff, Ff, Ctl]),
        new("WRITE(6)", Out | Wm, [Write6, 0x1F, Ff, Ff, Ff, Ctl]),
        new("INQUIRY", In | CommandFlags.IgnoresUnitAttention, [Inquiry, 0x03, Ff, Ff, Ff, Ctl]),
        new("MODE SELECT(6)", Out, [ModeSelect6, 0x11, 0, 0, Ff, Ctl]),
        new("MODE SENSE(6)", In, [ModeSense6, 0x08, Ff, Ff, Ff, Ctl]),
        new("START STOP UNIT", CommandFlags.None, [StartStopUnit, 0x01, 0, 0x0F, 0xF7, Ctl]),
        new("PREVENT ALLOW MEDIUM REMOVAL", CommandFlags.None, [PreventAllowMediumRemoval, 0, 0, 0, 0x03, Ctl]),
        new("READ CAPACITY(10)", In, [ReadCapacity10, 0, Ff, Ff, Ff, Ff, 0, 0, 0x01, Ctl]),
        new("READ(10)", In, [Read10, 0xFE, Ff, Ff, Ff, Ff, 0x3F, Ff, Ff, Ctl]),
        new("WRITE(10)", Out | Wm, [Write10, 0xFA, Ff, Ff, Ff, Ff, 0x3F, Ff, Ff, Ctl]),
        new("WRITE AND VERIFY(10)", Out | Wm, [WriteAndVerify10, 0xF6, Ff, Ff, Ff, Ff, 0x3F, Ff, Ff, Ctl]),
        new("VERIFY(10)", Out, [Verify10, 0xF6, Ff, Ff, Ff, Ff, 0x3F, Ff, Ff, Ctl]),
        new("PRE-FETCH(10)", CommandFlags.None, [PreFetch10, 0x02, Ff, Ff, Ff, Ff, 0x3F, Ff, Ff, Ctl]),
        new("SYNCHRONIZE CACHE(10)", CommandFlags.None, [SynchronizeCache10, 0x06, Ff, Ff, Ff, Ff, 0x3F, Ff, Ff, Ctl]),
        new("WRITE SAME(10)", Out | Wm, [WriteSame10, 0xFE, Ff, Ff, Ff, Ff, 0x3F, Ff, Ff, Ctl]),
        new("UNMAP", Out | Wm | CommandFlags.NeedsUnmap, [Unmap, 0x01, 0, 0, 0, 0, 0x3F, Ff, Ff, Ctl]),
        new("MODE SELECT(10)", Out, [ModeSelect10, 0x11, 0, 0, 0, 0, 0, Ff, Ff, Ctl]),
        new("MODE SENSE(10)", In, [ModeSense10, 0x18, Ff, Ff, 0, 0, 0, Ff, Ff, Ctl]),
        new("READ(16)", In, [Read16, 0xFE, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, 0x3F, Ctl]),
        new("COMPARE AND WRITE", Out | Wm, [CompareAndWrite, 0xFA, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, 0, 0, 0, Ff, 0x3F, Ctl]),
        new("WRITE(16)", Out | Wm, [Write16, 0xFA, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, 0x3F, Ctl]),
        new("WRITE AND VERIFY(16)", Out | Wm, [WriteAndVerify16, 0xF6, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, 0x3F, Ctl]),
        new("VERIFY(16)", Out, [Verify16, 0xF6, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, 0x3F, Ctl]),
        new("PRE-FETCH(16)", CommandFlags.None, [PreFetch16, 0x02, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, 0x3F, Ctl]),
        new("SYNCHRONIZE CACHE(16)", CommandFlags.None, [SynchronizeCache16, 0x06, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, 0x3F, Ctl]),
        new("WRITE SAME(16)", Out | Wm, [WriteSame16, 0xFF, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, 0x3F, Ctl]),
        new("READ CAPACITY(16)", In, [ServiceActionIn16, ReadCapacity16ServiceAction, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, 0x01, Ctl], 0x1F),
        new("GET LBA STATUS", In, [ServiceActionIn16, GetLbaStatusServiceAction, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, 0, Ctl], 0x1F),
        new("REPORT LUNS", In | CommandFlags.IgnoresUnitAttention, [ReportLuns, 0, Ff, 0, 0, 0, Ff, Ff, Ff, Ff, 0, Ctl]),
        new("REPORT SUPPORTED OPERATION CODES", In, [MaintenanceIn, ReportSupportedOperationCodesServiceAction, 0x87, Ff, Ff, Ff, Ff, Ff, Ff, Ff, 0, Ctl], 0x1F),
        new("REPORT SUPPORTED TASK MANAGEMENT FUNCTIONS", In, [MaintenanceIn, ReportSupportedTaskManagementFunctionsServiceAction, 0x80, 0, 0, 0, Ff, Ff, Ff, Ff, 0, Ctl], 0x1F),
        new("READ(12)", In, [Read12, 0xFE, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, 0x3F, Ctl]),
        new("WRITE(12)", Out | Wm, [Write12, 0xFA, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, 0x3F, Ctl]),
        new("WRITE AND VERIFY(12)", Out | Wm, [WriteAndVerify12, 0xF6, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, 0x3F, Ctl]),
        new("VERIFY(12)", Out, [Verify12, 0xF6, Ff, Ff, Ff, Ff, Ff, Ff, Ff, Ff, 0x3F, Ctl]),
    ];

    private static readonly CommandDescriptor?[] ByOpcode = BuildByOpcode();
    private static readonly FrozenDictionary<int, CommandDescriptor> ByServiceAction =
        All.Where(d => d.ServiceAction >= 0).ToFrozenDictionary(d => (d.OperationCode << 8) | d.ServiceAction);

    /// <summary>True when commands with this opcode carry a service action in byte 1.</summary>
    public static bool HasServiceActions(byte opcode) => opcode is ServiceActionIn16 or MaintenanceIn;

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
