using System.Buffers;
using System.Buffers.Binary;
using UserDisk.Scsi.Reservations;
using static UserDisk.Scsi.OperationCode;

namespace UserDisk.Scsi.Commands;

/// <summary>
/// PERSISTENT RESERVE IN (SPC-5 6.15): READ KEYS, READ RESERVATION, REPORT CAPABILITIES and READ FULL STATUS, all
/// from one snapshot of the reservation state. Length fields always describe the whole parameter data; the
/// allocation length only truncates what is transferred (SPC-5 4.2.5.6).
/// </summary>
internal static class PersistentReserveIn
{
    private const int HeaderLength = 8;
    private const int ReservationDescriptorLength = 16;
    private const int FullStatusDescriptorLength = 24;

    // REPORT CAPABILITIES (SPC-5 table 207). Byte 2: ATP_C (ALL_TG_PT supported); CRH, SIP_C and RLR_C are zero:
    // RESERVE/RELEASE follow SPC-2 without the 5.13.3 exceptions, SPEC_I_PT and REPLACE LOST RESERVATION are refused.
    private const byte AllTargetPortsCapable = 0x04;
    private const byte PersistThroughPowerLossCapable = 0x01;

    // Byte 3: TMV, and ALLOW COMMANDS 011b: TEST UNIT READY passes Write Exclusive and Exclusive Access reservations,
    // MODE SENSE, REPORT SUPPORTED OPERATION CODES and REPORT SUPPORTED TASK MANAGEMENT FUNCTIONS pass Write Exclusive
    // ones (ConflictClass.Allowed and ConflictClass.Read in the command table).
    private const byte TypeMaskValid = 0x80;
    private const byte AllowCommands011 = 0x30;
    private const byte PersistThroughPowerLossActivated = 0x01;

    // Bytes 4-5: every type: WR_EX_AR, EX_AC_RO, WR_EX_RO, EX_AC, WR_EX; EX_AC_AR.
    private const ushort AllTypes = 0xEA01;

    public static void Execute(LogicalUnit lu, ScsiCommand command)
    {
        var cdb = command.Cdb;
        var allocationLength = BinaryPrimitives.ReadUInt16BigEndian(cdb[7..]);
        var state = lu.Reservations.State;
        var serviceAction = cdb[1] & 0x1F;
        var length = serviceAction switch
        {
            ReadKeysServiceAction => HeaderLength + (8 * state.Registrations.Length),
            ReadReservationServiceAction => HeaderLength + (state.IsReserved ? ReservationDescriptorLength : 0),
            ReportCapabilitiesServiceAction => 8,
            _ => FullStatusLength(state),
        };

        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var buffer = rented.AsSpan(0, length);
            buffer.Clear();
            switch (serviceAction)
            {
                case ReadKeysServiceAction:
                    WriteKeys(buffer, state);
                    break;
                case ReadReservationServiceAction:
                    WriteReservation(buffer, state);
                    break;
                case ReportCapabilitiesServiceAction:
                    WriteCapabilities(buffer, state, lu.Reservations.CanPersist);
                    break;
                default:
                    WriteFullStatus(buffer, state);
                    break;
            }

            command.CompleteDataIn(buffer, allocationLength);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static int FullStatusLength(ReservationState state)
    {
        var length = HeaderLength;
        foreach (var registration in state.Registrations)
        {
            length += FullStatusDescriptorLength + registration.TransportId.Length;
        }

        return length;
    }

    private static void WriteHeader(Span<byte> b, ReservationState state)
    {
        BinaryPrimitives.WriteUInt32BigEndian(b, state.Generation);
        BinaryPrimitives.WriteUInt32BigEndian(b[4..], (uint)(b.Length - HeaderLength));
    }

    // SPC-5 6.15.2: one key per registered I_T nexus, duplicates included.
    private static void WriteKeys(Span<byte> b, ReservationState state)
    {
        WriteHeader(b, state);
        var p = HeaderLength;
        foreach (var registration in state.Registrations)
        {
            BinaryPrimitives.WriteUInt64BigEndian(b[p..], registration.Key);
            p += 8;
        }
    }

    // SPC-5 6.15.3: the holder's key (zero for all-registrants types, 5.13.10), SCOPE LU_SCOPE (0) and TYPE.
    private static void WriteReservation(Span<byte> b, ReservationState state)
    {
        WriteHeader(b, state);
        if (state.IsReserved)
        {
            BinaryPrimitives.WriteUInt64BigEndian(b[HeaderLength..], state.Holder?.Key ?? 0);
            b[HeaderLength + 13] = (byte)state.Type;
        }
    }

    private static void WriteCapabilities(Span<byte> b, ReservationState state, bool canPersist)
    {
        BinaryPrimitives.WriteUInt16BigEndian(b, 8);
        b[2] = (byte)(AllTargetPortsCapable | (canPersist ? PersistThroughPowerLossCapable : 0));
        b[3] = (byte)(TypeMaskValid | AllowCommands011 | (state.Aptpl ? PersistThroughPowerLossActivated : 0));
        BinaryPrimitives.WriteUInt16BigEndian(b[4..], AllTypes);
    }

    // SPC-5 6.15.5: a full status descriptor per registration, with R_HOLDER, SCOPE/TYPE for holders, the relative
    // target port (or ALL_TG_PT for registrations through every port) and the initiator's TransportID.
    private static void WriteFullStatus(Span<byte> b, ReservationState state)
    {
        WriteHeader(b, state);
        var p = HeaderLength;
        foreach (var registration in state.Registrations)
        {
            var d = b[p..];
            BinaryPrimitives.WriteUInt64BigEndian(d, registration.Key);
            if (state.IsHolder(registration))
            {
                d[12] |= 0x01;
                d[13] = (byte)state.Type;
            }

            if (registration.AllTargetPorts)
            {
                d[12] |= 0x02;
            }
            else
            {
                BinaryPrimitives.WriteUInt16BigEndian(d[18..], registration.RelativeTargetPortId);
            }

            BinaryPrimitives.WriteUInt32BigEndian(d[20..], (uint)registration.TransportId.Length);
            registration.TransportId.CopyTo(d[FullStatusDescriptorLength..]);
            p += FullStatusDescriptorLength + registration.TransportId.Length;
        }
    }
}
