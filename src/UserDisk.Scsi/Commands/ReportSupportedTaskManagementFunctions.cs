using System.Buffers.Binary;

namespace UserDisk.Scsi.Commands;

/// <summary>
/// REPORT SUPPORTED TASK MANAGEMENT FUNCTIONS (SPC-5): the functions the front ends implement: ABORT TASK,
/// ABORT TASK SET, CLEAR TASK SET, LOGICAL UNIT RESET and (target) reset. REPD asks for the 16-byte form.
/// </summary>
internal static class ReportSupportedTaskManagementFunctions
{
    public static void Execute(LogicalUnit lu, ScsiCommand command)
    {
        var cdb = command.Cdb;
        var repd = (cdb[2] & 0x80) != 0;
        var allocationLength = BinaryPrimitives.ReadUInt32BigEndian(cdb[6..]);
        if (allocationLength < 4)
        {
            // SPC-5: an allocation length under 4 is INVALID FIELD IN CDB.
            lu.FailCdb(command, 6);
            return;
        }

        Span<byte> data = stackalloc byte[16];
        data.Clear();
        data[0] = 0xDA; // ATS, ATSS, CTSS, LURS, TRS: abort task (set), clear task set, LU reset, target reset
        if (repd)
        {
            data[3] = 0x0C; // ADDITIONAL DATA LENGTH
        }

        command.CompleteDataIn(data[..(repd ? 16 : 4)], allocationLength);
    }
}
