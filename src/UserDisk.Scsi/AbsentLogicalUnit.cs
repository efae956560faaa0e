using System.Buffers.Binary;
using UserDisk.Scsi.Commands;

namespace UserDisk.Scsi;

/// <summary>
/// Answers commands addressed to a LUN that does not exist (SPC-5 "logical units not present"): INQUIRY reports
/// peripheral qualifier 011b, REPORT LUNS lists the target's LUNs (so an initiator can scan from LUN 0 even when
/// there is none), REQUEST SENSE reports LOGICAL UNIT NOT SUPPORTED, everything else ends in CHECK CONDITION with it.
/// Front ends call this instead of parsing CDBs themselves.
/// </summary>
public static class AbsentLogicalUnit
{
    public static void Execute(ScsiCommand command, IReadOnlyList<ulong> luns)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(luns);
        var cdb = command.Cdb;
        Span<byte> buffer = stackalloc byte[256];
        buffer.Clear();
        if (cdb.Length >= 6 && cdb[0] == OperationCode.Inquiry && (cdb[1] & 0x03) == 0 && cdb[2] == 0)
        {
            buffer[0] = 0x7F;   // peripheral qualifier 011b, device type 1Fh: no logical unit here
            buffer[2] = 0x07;
            buffer[3] = 0x12;
            buffer[4] = 31;
            Reply(command, buffer[..36], BinaryPrimitives.ReadUInt16BigEndian(cdb[3..]));
            return;
        }

        if (cdb.Length >= 12 && cdb[0] == OperationCode.ReportLuns)
        {
            var data = new byte[8 + (8 * luns.Count)];
            ReportLuns.Write(data, luns);
            Reply(command, data, BinaryPrimitives.ReadUInt32BigEndian(cdb[6..]));
            return;
        }

        if (cdb.Length >= 6 && cdb[0] == OperationCode.RequestSense)
        {
            var length = SenseData.Write(buffer, (cdb[1] & 0x01) != 0, SenseCode.LogicalUnitNotSupported);
            Reply(command, buffer[..length], cdb[4]);
            return;
        }

        command.ResetOutcome();
        command.Status = ScsiStatus.CheckCondition;
        command.SenseLength = SenseData.Write(command.SenseSpan, false, SenseCode.LogicalUnitNotSupported);
        command.SetResidual(0);
    }

    private static void Reply(ScsiCommand command, ReadOnlySpan<byte> response, long allocationLength)
    {
        command.ResetOutcome();
        command.CompleteDataIn(response, allocationLength);
    }
}
