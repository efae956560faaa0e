using System.Diagnostics;

namespace UserDisk.Scsi.Reservations;

/// <summary>
/// The reservation state of one logical unit and the one place it changes. Readers (the conflict check on every
/// command, PERSISTENT RESERVE IN) take the current <see cref="ReservationState"/> snapshot without locking; writers
/// (PERSISTENT RESERVE OUT, RESERVE, RELEASE, nexus loss, reset) hold <see cref="Gate"/>, build the successor and
/// <see cref="Publish"/> it, so each service action is the "single indivisible event" SPC-5 5.13.1 asks for.
/// </summary>
internal sealed class PersistentReservations
{
    /// <summary>Registrations a unit keeps at most; one more is INSUFFICIENT REGISTRATION RESOURCES (SPC-5 5.13.7).</summary>
    public const int MaxRegistrations = 256;

    private readonly string? _statePath;
    private ReservationState _state;

    /// <summary>Loads the APTPL state from <paramref name="statePath"/> if there is one (see <see cref="ReservationStateFile.Load"/>).</summary>
    public PersistentReservations(string? statePath)
    {
        _statePath = statePath;
        _state = statePath is null ? ReservationState.Empty : ReservationStateFile.Load(statePath) ?? ReservationState.Empty;
    }

    /// <summary>Held while a reservation command reads, decides and publishes.</summary>
    public Lock Gate { get; } = new();

    public ReservationState State => Volatile.Read(ref _state);

    /// <summary>Persist through power loss is offered (REPORT CAPABILITIES PTPL_C).</summary>
    public bool CanPersist => _statePath is not null;

    /// <summary>
    /// Makes <paramref name="next"/> current. When APTPL is (or was) active the file is brought in line first: written
    /// while APTPL is set, deleted when it was just cleared. If that fails the exception propagates and the current
    /// state stays as it was, so what initiators see never runs ahead of what would survive a power loss.
    /// </summary>
    public void Publish(ReservationState next)
    {
        Debug.Assert(Gate.IsHeldByCurrentThread, "Reservation state changes under the gate.");
        var current = _state;
        if (_statePath is not null)
        {
            if (next.Aptpl)
            {
                if (!SamePersistentState(current, next))
                {
                    ReservationStateFile.Save(_statePath, next);
                }
            }
            else if (current.Aptpl)
            {
                ReservationStateFile.Delete(_statePath);
            }
        }

        Volatile.Write(ref _state, next);
    }

    // Only SPC-2 reservations and PRgeneration changed: nothing the file holds.
    private static bool SamePersistentState(ReservationState current, ReservationState next) =>
        current.Aptpl && current.Registrations == next.Registrations && current.Type == next.Type && ReferenceEquals(current.Holder, next.Holder);
}
