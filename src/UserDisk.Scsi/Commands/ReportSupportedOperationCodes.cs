using System.Buffers;
using System.Buffers.Binary;

namespace UserDisk.Scsi.Commands;

/// <summary>
/// REPORT SUPPORTED OPERATION CODES (SPC-5), from <see cref="CommandTable"/>: all commands, or one command with
/// its CDB usage map, with optional command timeouts descriptors (RCTD). Under SCST the handler must answer this
/// itself (the core does not for user-space devices).
/// </summary>
internal static class ReportSupportedOperationCodes
{
    private const int TimeoutsDescriptorLength = 12;

    // Nominal and recommended timeouts in seconds: generous enough for a slow backstore (S3) behind the unit.
    private const uint NominalTimeoutSeconds = 1;
    private const uint RecommendedTimeoutSeconds = 30;

    public static void Execute(LogicalUnit lu, ScsiCommand command)
    {
        var cdb = command.Cdb;
        var rctd = (cdb[2] & 0x80) != 0;
        var options = cdb[2] & 0x07;
        var requestedOpcode = cdb[3];
        var requestedServiceAction = BinaryPrimitives.ReadUInt16BigEndian(cdb[4..]);
        var allocationLength = BinaryPrimitives.ReadUInt32BigEndian(cdb[6..]);

        var rented = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            var buffer = rented.AsSpan();
            buffer.Clear();
            int length;
            if (options == 0)
            {
                length = WriteAll(lu, buffer, rctd);
            }
            else
            {
                CommandDescriptor? descriptor;
                var hasServiceActions = CommandTable.HasServiceActions(requestedOpcode);
                switch (options)
                {
                    case 1 when hasServiceActions:
                        // One command without a service action was asked for an opcode that has them.
                        lu.FailCdb(command, 2, 2);
                        return;
                    case 1:
                        descriptor = CommandTable.Find(requestedOpcode);
                        break;
                    case 2 when !hasServiceActions:
                        lu.FailCdb(command, 2, 2);
                        return;
                    case 2 or 3 when hasServiceActions:
                        descriptor = requestedServiceAction > 0x1F ? null : CommandTable.Find(requestedOpcode, requestedServiceAction);
                        break;
                    case 3:
                        descriptor = CommandTable.Find(requestedOpcode);
                        break;
                    default:
                        lu.FailCdb(command, 2, 2);
                        return;
                }

                if (descriptor is not null && !IsOffered(lu, descriptor))
                {
                    descriptor = null;
                }

                length = WriteOne(buffer, descriptor, rctd);
            }

            command.CompleteDataIn(buffer[..length], allocationLength);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static bool IsOffered(LogicalUnit lu, CommandDescriptor descriptor) => lu.Offers(descriptor);

    private static int WriteAll(LogicalUnit lu, Span<byte> b, bool rctd)
    {
        var p = 4;
        foreach (var d in CommandTable.All)
        {
            if (!IsOffered(lu, d))
            {
                continue;
            }

            // Command descriptor: opcode, reserved, service action, reserved, CTDP|SERVACTV, CDB length.
            b[p] = d.OperationCode;
            if (d.ServiceAction >= 0)
            {
                BinaryPrimitives.WriteUInt16BigEndian(b[(p + 2)..], (ushort)d.ServiceAction);
                b[p + 5] |= 0x01;
            }

            if (rctd)
            {
                b[p + 5] |= 0x02;
            }

            BinaryPrimitives.WriteUInt16BigEndian(b[(p + 6)..], (ushort)d.CdbLength);
            p += 8;
            if (rctd)
            {
                WriteTimeouts(b[p..]);
                p += TimeoutsDescriptorLength;
            }
        }

        BinaryPrimitives.WriteUInt32BigEndian(b, (uint)(p - 4));
        return p;
    }

    private static int WriteOne(Span<byte> b, CommandDescriptor? d, bool rctd)
    {
        if (d is null)
        {
            // SUPPORT 001b: not supported; no usage data follows.
            b[1] = 0x01;
            return 4;
        }

        b[1] = (byte)(0x03 | (rctd ? 0x80 : 0)); // SUPPORT 011b: supported as the standard says; CTDP
        BinaryPrimitives.WriteUInt16BigEndian(b[2..], (ushort)d.CdbLength);
        d.UsageData.Span.CopyTo(b[4..]);
        var p = 4 + d.CdbLength;
        if (rctd)
        {
            WriteTimeouts(b[p..]);
            p += TimeoutsDescriptorLength;
        }

        return p;
    }

    private static void WriteTimeouts(Span<byte> b)
    {
        BinaryPrimitives.WriteUInt16BigEndian(b, TimeoutsDescriptorLength - 2);
        BinaryPrimitives.WriteUInt32BigEndian(b[4..], NominalTimeoutSeconds);
        BinaryPrimitives.WriteUInt32BigEndian(b[8..], RecommendedTimeoutSeconds);
    }
}
