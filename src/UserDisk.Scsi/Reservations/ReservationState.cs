using System.Collections.Immutable;

namespace UserDisk.Scsi.Reservations;

/// <summary>
/// Everything a logical unit knows about reservations at one moment: the registrations, the persistent reservation
/// (type and holder), the APTPL setting, PRgeneration, and the SPC-2 reservation. Immutable: a change builds a new
/// state, so every command is checked against one consistent snapshot read without a lock (SPC-5 5.13.1: a command
/// is checked when its processing begins), and a change that cannot be persisted is simply not published.
/// </summary>
internal sealed class ReservationState
{
    public static readonly ReservationState Empty =
        new([], PersistentReservationType.None, holder: null, aptpl: false, generation: 0, spc2Holder: null);

    public ReservationState(
        ImmutableArray<Registration> registrations,
        PersistentReservationType type,
        Registration? holder,
        bool aptpl,
        uint generation,
        ItNexus? spc2Holder)
    {
        Registrations = registrations;
        Type = type;
        Holder = type == PersistentReservationType.None || IsAllRegistrantsType(type) ? null : holder;
        Aptpl = aptpl;
        Generation = generation;
        Spc2Holder = spc2Holder;
    }

    public ImmutableArray<Registration> Registrations { get; }

    /// <summary>The persistent reservation's type; <see cref="PersistentReservationType.None"/> when there is none.</summary>
    public PersistentReservationType Type { get; }

    /// <summary>The holder of a single-holder reservation; null without a reservation and for all-registrants types
    /// (every registrant holds those).</summary>
    public Registration? Holder { get; }

    /// <summary>The APTPL bit of the most recent successful REGISTER (SPC-5 5.13.5.1).</summary>
    public bool Aptpl { get; }

    /// <summary>PRgeneration (SPC-5 6.15.2): a wrapping counter, zero at power on.</summary>
    public uint Generation { get; }

    /// <summary>The I_T nexus holding an SPC-2 RESERVE, if any.</summary>
    public ItNexus? Spc2Holder { get; }

    /// <summary>No registration and no reservation of either kind: nothing can conflict (the data path's fast test).</summary>
    public bool IsEmpty => Registrations.IsEmpty && Spc2Holder is null;

    public bool IsReserved => Type != PersistentReservationType.None;

    public bool IsAllRegistrants => IsAllRegistrantsType(Type);

    public static bool IsAllRegistrantsType(PersistentReservationType type) =>
        type is PersistentReservationType.WriteExclusiveAllRegistrants or PersistentReservationType.ExclusiveAccessAllRegistrants;

    public static bool IsRegistrantsOnlyType(PersistentReservationType type) =>
        type is PersistentReservationType.WriteExclusiveRegistrantsOnly or PersistentReservationType.ExclusiveAccessRegistrantsOnly;

    public static bool IsValidType(int type) =>
        type is 0x1 or 0x3 or 0x5 or 0x6 or 0x7 or 0x8;

    /// <summary>The registration of <paramref name="nexus"/>, or null when it is not registered.</summary>
    public Registration? Find(ItNexus nexus)
    {
        foreach (var registration in Registrations)
        {
            if (registration.Matches(nexus))
            {
                return registration;
            }
        }

        return null;
    }

    /// <summary>SPC-5 5.13.10: any registrant for all-registrants types, otherwise the one holder.</summary>
    public bool IsHolder(Registration? registration) =>
        registration is not null && IsReserved && (IsAllRegistrants || ReferenceEquals(registration, Holder));

    /// <summary>A successor state; <paramref name="bumpGeneration"/> for the service actions that count (SPC-5 6.15.2).</summary>
    public ReservationState With(
        ImmutableArray<Registration> registrations,
        PersistentReservationType type,
        Registration? holder,
        bool? aptpl = null,
        bool bumpGeneration = false) =>
        new(registrations, type, holder, aptpl ?? Aptpl, bumpGeneration ? unchecked(Generation + 1) : Generation, Spc2Holder);

    public ReservationState WithSpc2Holder(ItNexus? holder) =>
        new(Registrations, Type, Holder, Aptpl, Generation, holder);

    /// <summary>
    /// True when a command of class <paramref name="conflict"/> from <paramref name="nexus"/> must end with
    /// RESERVATION CONFLICT: SPC-5 table 65 and SBC-4 table 13 for persistent reservations, SPC-2 5.5.1 for RESERVE.
    /// Allocation-free: it runs on the data path whenever the unit has any reservation state.
    /// </summary>
    public bool Conflicts(ItNexus? nexus, ConflictClass conflict, ReadOnlySpan<byte> cdb)
    {
        var access = conflict switch
        {
            // SBC-4 table 13: PREVENT ALLOW MEDIUM REMOVAL with PREVENT=0 and START STOP UNIT with START=1 and
            // POWER CONDITION=0 are allowed everywhere; other values are treated like medium writes.
            ConflictClass.PreventAllow => (cdb[4] & 0x03) == 0 ? ConflictClass.Allowed : ConflictClass.Write,
            ConflictClass.StartStop => (cdb[4] & 0xF1) == 0x01 ? ConflictClass.Allowed : ConflictClass.Write,
            _ => conflict,
        };

        if (Spc2Holder is not null)
        {
            // SPC-2 5.5.1: PERSISTENT RESERVE IN/OUT conflict from every I_T nexus while an SPC-2 reservation exists;
            // other commands conflict only from I_T nexuses other than the holder.
            return access switch
            {
                ConflictClass.PersistentReservation => true,
                ConflictClass.Allowed or ConflictClass.Spc2Reservation => false,
                _ => !ReferenceEquals(nexus, Spc2Holder),
            };
        }

        if (!IsReserved || access is ConflictClass.Allowed or ConflictClass.PersistentReservation or ConflictClass.Spc2Reservation)
        {
            return false;
        }

        var registration = nexus is null ? null : Find(nexus);
        if (IsHolder(registration))
        {
            return false;
        }

        var write = access == ConflictClass.Write;
        return Type switch
        {
            PersistentReservationType.WriteExclusive => write,
            PersistentReservationType.WriteExclusiveRegistrantsOnly or PersistentReservationType.WriteExclusiveAllRegistrants =>
                write && registration is null,
            PersistentReservationType.ExclusiveAccessRegistrantsOnly or PersistentReservationType.ExclusiveAccessAllRegistrants =>
                registration is null,
            _ => true,
        };
    }
}
