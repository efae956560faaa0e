namespace UserDisk.Scsi.Commands;

/// <summary>
/// RESERVE(6)/(10) and RELEASE(6)/(10), the SPC-2 reservations (SPC-2 7.21-7.24, obsolete in SPC-5 except as 5.13.3
/// describes): the whole logical unit for one I_T nexus, released by RELEASE from that nexus, a logical unit reset
/// or the nexus's loss. Third-party and extent reservations are refused by the CDB usage map (INVALID FIELD IN CDB).
/// With CRH=0 (REPORT CAPABILITIES) both conflict while any persistent reservation registration exists.
/// </summary>
/// <remarks>
/// When the engine does not own reservations (<see cref="LogicalUnitOptions.ReservationsByEngine"/> false, under
/// SCST) the core has already applied them: both complete with GOOD and nothing is recorded.
/// </remarks>
internal static class ReserveRelease
{
    public static void Reserve(LogicalUnit lu, ScsiCommand command)
    {
        if (!lu.Options.ReservationsByEngine || command.Nexus is not { } nexus)
        {
            return;
        }

        lock (lu.Reservations.Gate)
        {
            var state = lu.Reservations.State;

            // SPC-2 5.5.1: registrations (and so any persistent reservation) make every RESERVE conflict; so does a
            // reservation held by another I_T nexus. The holder may reserve again.
            if (!state.Registrations.IsEmpty || (state.Spc2Holder is not null && !ReferenceEquals(state.Spc2Holder, nexus)))
            {
                command.Status = ScsiStatus.ReservationConflict;
                return;
            }

            lu.Reservations.Publish(state.WithSpc2Holder(nexus));
        }
    }

    public static void Release(LogicalUnit lu, ScsiCommand command)
    {
        if (!lu.Options.ReservationsByEngine || command.Nexus is not { } nexus)
        {
            return;
        }

        lock (lu.Reservations.Gate)
        {
            var state = lu.Reservations.State;
            if (!state.Registrations.IsEmpty)
            {
                command.Status = ScsiStatus.ReservationConflict;
                return;
            }

            // Releasing what another I_T nexus holds, or nothing, is not an error and changes nothing (SPC-2 7.23).
            if (ReferenceEquals(state.Spc2Holder, nexus))
            {
                lu.Reservations.Publish(state.WithSpc2Holder(null));
            }
        }
    }
}
