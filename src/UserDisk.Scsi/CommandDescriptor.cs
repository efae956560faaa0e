namespace UserDisk.Scsi;

/// <summary>
/// One supported command: its operation code (and service action), CDB length, flags, and the CDB usage map
/// reported by REPORT SUPPORTED OPERATION CODES (SPC-5 6.35). The usage map is also what the engine checks
/// incoming CDBs against: a bit set in the CDB where the map has zero is a reserved bit, and the command is
/// refused with INVALID FIELD IN CDB pointing at it (the SPC-5 keyword "reserved": a recipient may check
/// reserved bits and report a non-zero one as an error).
/// </summary>
public sealed class CommandDescriptor
{
    internal CommandDescriptor(string name, CommandFlags flags, byte[] usage, byte serviceActionMask = 0, ConflictClass conflict = ConflictClass.Write)
    {
        Name = name;
        Flags = flags;
        Usage = usage;
        ServiceActionMask = serviceActionMask;
        Conflict = conflict;
    }

    public string Name { get; }

    public byte OperationCode => Usage[0];

    /// <summary>The service action, or -1 for commands without one.</summary>
    public int ServiceAction => ServiceActionMask == 0 ? -1 : Usage[1] & ServiceActionMask;

    public int CdbLength => Usage.Length;

    public CommandFlags Flags { get; }

    /// <summary>How the command fares against a reservation held by another I_T nexus (SPC-5 table 65, SBC-4 table 13).</summary>
    public ConflictClass Conflict { get; }

    /// <summary>The CDB usage data: byte 0 the opcode, the service action in its own field, 1-bits elsewhere for
    /// every bit the device server interprets.</summary>
    public ReadOnlyMemory<byte> UsageData => Usage;

    internal byte[] Usage { get; }

    /// <summary>Bits of byte 1 that hold the service action (0 when the command has none).</summary>
    internal byte ServiceActionMask { get; }

    public override string ToString() => ServiceAction < 0 ? $"{Name} ({OperationCode:X2}h)" : $"{Name} ({OperationCode:X2}h/{ServiceAction:X2}h)";
}
