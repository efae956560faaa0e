using System.Buffers.Binary;
using UserDisk.Scsi.Reservations;
using static UserDisk.Scsi.OperationCode;

namespace UserDisk.Scsi.Commands;

/// <summary>
/// PERSISTENT RESERVE OUT (SPC-5 6.16, model in 5.13): REGISTER, REGISTER AND IGNORE EXISTING KEY, RESERVE,
/// RELEASE, CLEAR, PREEMPT, PREEMPT AND ABORT and REGISTER AND MOVE, for all six reservation types, with ALL_TG_PT
/// and APTPL. SPEC_I_PT is refused (REPORT CAPABILITIES SIP_C=0) and REPLACE LOST RESERVATION is not offered
/// (RLR_C=0): this unit never loses reservation information silently.
/// </summary>
/// <remarks>
/// Each service action runs under the reservation gate and publishes one new state, so it is a single indivisible
/// event (SPC-5 5.13.1); unit attentions and the PREEMPT AND ABORT callback follow only once the state is published
/// (and, with APTPL, on disk). A state file that cannot be written fails the command before anything changes.
/// </remarks>
internal static class PersistentReserveOut
{
    private const int BasicLength = 24;

    // REGISTER AND MOVE carries one TransportID after its 24-byte header; an iSCSI one is a few hundred bytes at most.
    // Longer lists are "larger than the device server is able to process" (SPC-5 6.16.1).
    private const int MaxParameterListLength = 1024;

    // Byte 20 of the basic parameter list (SPC-5 table 214).
    private const byte SpecifyInitiatorPorts = 0x08;
    private const byte AllTargetPorts = 0x04;
    private const byte ActivatePersistThroughPowerLoss = 0x01;
    private const byte Byte20Reserved = 0xF2;

    // Byte 17 of the REGISTER AND MOVE parameter list (SPC-5 table 217).
    private const byte Unregister = 0x02;
    private const byte Byte17Reserved = 0xFC;

    public static void Execute(LogicalUnit lu, ScsiCommand command)
    {
        var cdb = command.Cdb;
        var length = BinaryPrimitives.ReadUInt32BigEndian(cdb[5..]);
        if (length < BasicLength || length > MaxParameterListLength)
        {
            lu.Fail(command, SenseCode.ParameterListLengthError);
            return;
        }

        if (!lu.TryTakeDataOut(command, length, out var data))
        {
            return;
        }

        List<ItNexus>? preempted = null;
        lock (lu.Reservations.Gate)
        {
            if ((cdb[1] & 0x1F) == RegisterAndMoveServiceAction)
            {
                RegisterAndMove(lu, command, data.Span);
            }
            else
            {
                preempted = Basic(lu, command, data.Span);
            }
        }

        // Outside the gate: the front end's handler may take its own locks or call back into the unit.
        if (preempted is not null)
        {
            lu.AbortTasksOf(preempted, command);
        }
    }

    /// <summary>Runs every service action but REGISTER AND MOVE; returns the nexuses PREEMPT AND ABORT preempted.</summary>
    private static List<ItNexus>? Basic(LogicalUnit lu, ScsiCommand command, ReadOnlySpan<byte> data)
    {
        var cdb = command.Cdb;
        var serviceAction = cdb[1] & 0x1F;
        var scope = cdb[2] >> 4;
        var type = cdb[2] & 0x0F;
        var flags = data[20];
        if ((flags & Byte20Reserved) != 0)
        {
            lu.FailParameter(command, 20, HighestBit(flags & Byte20Reserved));
            return null;
        }

        if (data[21] != 0)
        {
            lu.FailParameter(command, 21, HighestBit(data[21]));
            return null;
        }

        if ((flags & SpecifyInitiatorPorts) != 0)
        {
            // SIP_C=0: registering other initiator ports is not offered, for any service action (SPC-5 6.16.3).
            lu.FailParameter(command, 20, 3);
            return null;
        }

        if (data.Length != BasicLength)
        {
            // SPEC_I_PT=0 and not REGISTER AND MOVE: exactly 24 bytes (SPC-5 6.16.1).
            lu.Fail(command, SenseCode.ParameterListLengthError);
            return null;
        }

        var register = serviceAction is RegisterServiceAction or RegisterAndIgnoreExistingKeyServiceAction;
        var aptpl = (flags & ActivatePersistThroughPowerLoss) != 0;
        if (register && aptpl && !lu.Reservations.CanPersist)
        {
            // PTPL_C=0 without a state file: APTPL=1 is refused (SPC-5 6.16.3).
            lu.FailParameter(command, 20, 0);
            return null;
        }

        var createsReservation = serviceAction is ReserveServiceAction or PreemptServiceAction or PreemptAndAbortServiceAction;
        if ((createsReservation || serviceAction == ReleaseServiceAction) && scope != 0)
        {
            // LU_SCOPE is the only scope (SPC-5 6.15.3.3).
            lu.FailCdb(command, 2, 7);
            return null;
        }

        if (createsReservation && !ReservationState.IsValidType(type))
        {
            lu.FailCdb(command, 2, 3);
            return null;
        }

        var nexus = command.Nexus;
        if (nexus is null)
        {
            // No initiator port to register or to check a key for.
            Conflict(command);
            return null;
        }

        var key = BinaryPrimitives.ReadUInt64BigEndian(data);
        var serviceActionKey = BinaryPrimitives.ReadUInt64BigEndian(data[8..]);
        var state = lu.Reservations.State;
        var registration = state.Find(nexus);
        if (register)
        {
            Register(lu, command, nexus, state, registration, key, serviceActionKey, (flags & AllTargetPorts) != 0, aptpl);
            return null;
        }

        // SPC-5 5.13.7 and table 66: every other service action needs a registered I_T nexus quoting its own key.
        if (registration is null || registration.Key != key)
        {
            Conflict(command);
            return null;
        }

        var op = new Operation(lu, command, nexus, state, registration);
        switch (serviceAction)
        {
            case ReserveServiceAction:
                op.Reserve((PersistentReservationType)type);
                return null;
            case ReleaseServiceAction:
                op.Release(type);
                return null;
            case ClearServiceAction:
                op.Clear();
                return null;
            case PreemptServiceAction:
                op.Preempt((PersistentReservationType)type, serviceActionKey, abort: false);
                return null;
            default:
                return op.Preempt((PersistentReservationType)type, serviceActionKey, abort: true);
        }
    }

    // SPC-5 5.13.7, tables 67 (REGISTER) and 68 (REGISTER AND IGNORE EXISTING KEY).
    private static void Register(
        LogicalUnit lu, ScsiCommand command, ItNexus nexus, ReservationState state, Registration? registration,
        ulong key, ulong serviceActionKey, bool allTargetPorts, bool aptpl)
    {
        var ignoreExistingKey = (command.Cdb[1] & 0x1F) == RegisterAndIgnoreExistingKeyServiceAction;
        if (registration is not null)
        {
            if (!ignoreExistingKey && key != registration.Key)
            {
                Conflict(command);
                return;
            }

            var op = new Operation(lu, command, nexus, state, registration);
            if (serviceActionKey == 0)
            {
                op.Unregister(aptpl);
            }
            else
            {
                // A new key leaves any reservation as it is (the holder keeps holding it under the new key). ALL_TG_PT
                // only matters when a registration is made.
                var replaced = registration.WithKey(serviceActionKey);
                var holder = ReferenceEquals(state.Holder, registration) ? replaced : state.Holder;
                lu.Reservations.Publish(state.With(state.Registrations.Replace(registration, replaced), state.Type, holder, aptpl, bumpGeneration: true));
            }

            return;
        }

        if (!ignoreExistingKey && key != 0)
        {
            Conflict(command);
            return;
        }

        if (serviceActionKey == 0)
        {
            // Unregistering an unregistered I_T nexus: GOOD and nothing else, PRgeneration included.
            return;
        }

        var registrations = state.Registrations;
        var holderAfter = state.Holder;
        var added = new Registration(nexus.ReservationIdentity, nexus.InitiatorTransportId.ToArray(), nexus.RelativeTargetPortId, allTargetPorts, serviceActionKey);
        if (allTargetPorts)
        {
            // ALL_TG_PT acts as the same request through every target port (SPC-5 6.16.3). Through a port where this
            // initiator is already registered, REGISTER would conflict (its key is not zero) and REGISTER AND IGNORE
            // EXISTING KEY would replace the key: so the per-port registrations conflict or fold into the new one.
            foreach (var other in state.Registrations)
            {
                if (other.Overlaps(added.Initiator, 0, allTargetPorts: true))
                {
                    if (!ignoreExistingKey)
                    {
                        Conflict(command);
                        return;
                    }

                    registrations = registrations.Remove(other);
                    holderAfter = ReferenceEquals(other, state.Holder) ? added : holderAfter;
                }
            }
        }

        if (registrations.Length >= PersistentReservations.MaxRegistrations)
        {
            lu.Fail(command, SenseCode.InsufficientRegistrationResources);
            return;
        }

        lu.Reservations.Publish(state.With(registrations.Add(added), state.Type, holderAfter, aptpl, bumpGeneration: true));
    }

    // SPC-5 5.13.8 and table 70: register another I_T nexus (TransportID + relative target port) and make it the holder.
    private static void RegisterAndMove(LogicalUnit lu, ScsiCommand command, ReadOnlySpan<byte> data)
    {
        if (data[16] != 0)
        {
            lu.FailParameter(command, 16, HighestBit(data[16]));
            return;
        }

        if ((data[17] & Byte17Reserved) != 0)
        {
            lu.FailParameter(command, 17, HighestBit(data[17] & Byte17Reserved));
            return;
        }

        var transportIdLength = BinaryPrimitives.ReadUInt32BigEndian(data[20..]);
        if (BasicLength + (long)transportIdLength > data.Length)
        {
            // The PARAMETER LIST LENGTH does not cover the TransportID it announces (SPC-5 6.16.4).
            lu.Fail(command, SenseCode.ParameterListLengthError);
            return;
        }

        var nexus = command.Nexus;
        var state = lu.Reservations.State;
        var registration = nexus is null ? null : state.Find(nexus);
        var key = BinaryPrimitives.ReadUInt64BigEndian(data);
        if (nexus is null || registration is null || registration.Key != key || state.IsAllRegistrants)
        {
            // Unregistered, the wrong key, or an all-registrants reservation (which has no single holder to move).
            Conflict(command);
            return;
        }

        if (!state.IsReserved)
        {
            // No persistent reservation to move: INVALID FIELD IN CDB (SPC-5 5.13.8), pointing at the service action.
            lu.FailCdb(command, 1, 4);
            return;
        }

        if (!state.IsHolder(registration))
        {
            Conflict(command);
            return;
        }

        var serviceActionKey = BinaryPrimitives.ReadUInt64BigEndian(data[8..]);
        if (serviceActionKey == 0)
        {
            lu.FailParameter(command, 8);
            return;
        }

        var aptpl = (data[17] & ActivatePersistThroughPowerLoss) != 0;
        if (aptpl && !lu.Reservations.CanPersist)
        {
            lu.FailParameter(command, 17, 0);
            return;
        }

        var port = BinaryPrimitives.ReadUInt16BigEndian(data[18..]);
        if (port == 0)
        {
            // Relative port identifier 0 is reserved (SPC-5 7.7.7.3).
            lu.FailParameter(command, 18);
            return;
        }

        var transportId = data.Slice(BasicLength, (int)transportIdLength);
        var idLength = TransportId.Length(transportId);
        var identity = idLength < 0 ? null : TransportId.Identity(transportId[..idLength]);
        if (identity is null || identity == nexus.ReservationIdentity)
        {
            // Malformed, of a kind this unit cannot match (e.g. an iSCSI device name without ISID), or the
            // initiator port that sent the command (SPC-5 5.13.8).
            lu.FailParameter(command, BasicLength);
            return;
        }

        var registrations = state.Registrations;
        Registration? destination = null;
        foreach (var other in registrations)
        {
            if (other.Overlaps(identity, port, allTargetPorts: false))
            {
                // Already registered: it is not an error; the key becomes the service action key.
                destination = other.WithKey(serviceActionKey);
                registrations = registrations.Replace(other, destination);
                break;
            }
        }

        if (destination is null)
        {
            if (registrations.Length >= PersistentReservations.MaxRegistrations)
            {
                lu.Fail(command, SenseCode.InsufficientRegistrationResources);
                return;
            }

            destination = new Registration(identity, transportId[..idLength].ToArray(), port, allTargetPorts: false, serviceActionKey);
            registrations = registrations.Add(destination);
        }

        if ((data[17] & Unregister) != 0)
        {
            registrations = registrations.Remove(registration);
        }

        lu.Reservations.Publish(state.With(registrations, state.Type, destination, aptpl, bumpGeneration: true));
    }

    private static void Conflict(ScsiCommand command) => command.Status = ScsiStatus.ReservationConflict;

    private static int HighestBit(int value) => 31 - int.LeadingZeroCount(value);

    /// <summary>One service action from a registered I_T nexus whose key has been checked.</summary>
    private sealed class Operation(LogicalUnit lu, ScsiCommand command, ItNexus nexus, ReservationState state, Registration registration)
    {
        // SPC-5 5.13.11.2.3: unregistering releases a reservation the nexus held alone (registrants-only types also
        // tell the other registrants), and an all-registrants one when it was the last registrant.
        public void Unregister(bool aptpl)
        {
            var next = Without(state, [registration], aptpl);
            lu.Reservations.Publish(next);
            if (state.IsReserved && !next.IsReserved && ReservationState.IsRegistrantsOnlyType(state.Type))
            {
                lu.EstablishUnitAttentionForRegistrants(UnitAttention.ReservationsReleased, next.Registrations, except: nexus);
            }
        }

        // SPC-5 5.13.9.
        public void Reserve(PersistentReservationType type)
        {
            if (state.IsReserved)
            {
                // The holder may repeat its own reservation; anything else (another nexus, another type) conflicts.
                if (!state.IsHolder(registration) || state.Type != type)
                {
                    Conflict(command);
                }

                return;
            }

            lu.Reservations.Publish(state.With(state.Registrations, type, registration));
        }

        // SPC-5 5.13.11.2.2.
        public void Release(int type)
        {
            if (!state.IsHolder(registration))
            {
                // No reservation, or a registrant that does not hold it: GOOD, nothing changes.
                return;
            }

            if ((int)state.Type != type)
            {
                lu.Fail(command, SenseCode.InvalidReleaseOfPersistentReservation);
                return;
            }

            lu.Reservations.Publish(state.With(state.Registrations, PersistentReservationType.None, holder: null));
            if (state.IsAllRegistrants || ReservationState.IsRegistrantsOnlyType(state.Type))
            {
                lu.EstablishUnitAttentionForRegistrants(UnitAttention.ReservationsReleased, state.Registrations, except: nexus);
            }
        }

        // SPC-5 5.13.11.2.7.
        public void Clear()
        {
            lu.Reservations.Publish(state.With([], PersistentReservationType.None, holder: null, bumpGeneration: true));
            lu.EstablishUnitAttentionForRegistrants(UnitAttention.ReservationsPreempted, state.Registrations, except: nexus);
        }

        // SPC-5 5.13.11.2.4 to 5.13.11.2.6, table 72 and figure 9. Returns the known nexuses whose commands are to be
        // aborted (PREEMPT AND ABORT), or null.
        public List<ItNexus>? Preempt(PersistentReservationType type, ulong serviceActionKey, bool abort)
        {
            ReservationState next;
            List<Registration> removed;
            IEnumerable<Registration> aborted;
            var typeChanged = false;
            if (state.IsAllRegistrants && serviceActionKey == 0)
            {
                // Preempt an all-registrants reservation: every other registration goes, the preempting nexus
                // holds the new reservation, and every registered nexus has its commands aborted.
                removed = [.. state.Registrations.Where(r => !ReferenceEquals(r, registration))];
                next = state.With([registration], type, registration, bumpGeneration: true);
                aborted = state.Registrations;
            }
            else if (serviceActionKey == 0)
            {
                // Zero names no registration; only an all-registrants reservation gives it a meaning (table 72).
                lu.FailParameter(command, 8);
                return null;
            }
            else if (state.Holder is { } holder && holder.Key == serviceActionKey)
            {
                // Preempt the holder: registrations with its key go (not the preempting nexus's own, so a holder may
                // preempt itself to change type), and the preempting nexus holds the new reservation.
                removed = [.. state.Registrations.Where(r => r.Key == serviceActionKey && !ReferenceEquals(r, registration))];
                next = state.With(state.Registrations.RemoveRange(removed), type, registration, bumpGeneration: true);
                typeChanged = type != state.Type;
                aborted = state.Registrations.Where(r => r.Key == serviceActionKey);
            }
            else
            {
                // Remove registrations only (5.13.11.2.5), the preempting nexus's own included if its key matches.
                removed = [.. state.Registrations.Where(r => r.Key == serviceActionKey)];
                if (removed.Count == 0)
                {
                    Conflict(command);
                    return null;
                }

                next = Without(state, removed, aptpl: null);
                aborted = removed;
            }

            lu.Reservations.Publish(next);
            lu.EstablishUnitAttentionForRegistrants(UnitAttention.RegistrationsPreempted, removed, except: nexus);
            if (typeChanged)
            {
                lu.EstablishUnitAttentionForRegistrants(UnitAttention.ReservationsReleased, next.Registrations, except: nexus);
            }

            return abort ? lu.NexusesOf(aborted) : null;
        }

        // Removes registrations with the consequences of SPC-5 table 71, and counts as a PRgeneration change.
        private static ReservationState Without(ReservationState state, IReadOnlyCollection<Registration> removed, bool? aptpl)
        {
            var remaining = state.Registrations.RemoveRange(removed);
            var released = state.IsReserved
                && (state.IsAllRegistrants ? remaining.IsEmpty : removed.Contains(state.Holder!));
            return state.With(remaining, released ? PersistentReservationType.None : state.Type, state.Holder, aptpl, bumpGeneration: true);
        }
    }
}
