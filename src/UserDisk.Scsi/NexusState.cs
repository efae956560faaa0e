namespace UserDisk.Scsi;

/// <summary>What a logical unit remembers about one I_T nexus: pending unit attentions and PREVENT state.</summary>
internal sealed class NexusState
{
    private readonly bool _keepsUnitAttentions;
    private int _pending;

    /// <param name="initial">Conditions pending from the start (POWER ON for a new nexus).</param>
    /// <param name="keepsUnitAttentions">
    /// False under a SCSI core that raises unit attentions itself (SCST): the engine then never reports one, so an
    /// initiator does not see the same condition twice.
    /// </param>
    public NexusState(UnitAttention initial, bool keepsUnitAttentions = true)
    {
        _keepsUnitAttentions = keepsUnitAttentions;
        _pending = keepsUnitAttentions ? (int)initial : 0;
    }

    public UnitAttention Pending => (UnitAttention)Volatile.Read(ref _pending);

    /// <summary>The nexus exists now (a session is logged in); false after <see cref="Deactivate"/> until its next command.</summary>
    public bool Active { get; set; } = true;

    /// <summary>I_T nexus loss: pending conditions and PREVENT go; the state is kept so the port is known.</summary>
    public void Deactivate()
    {
        Active = false;
        PreventsRemoval = false;
        Volatile.Write(ref _pending, 0);
    }

    /// <summary>SBC-4 PREVENT ALLOW MEDIUM REMOVAL: prevention is held per I_T nexus.</summary>
    public bool PreventsRemoval { get; set; }

    public void Add(UnitAttention condition)
    {
        if (_keepsUnitAttentions)
        {
            Interlocked.Or(ref _pending, (int)condition);
        }
    }

    public void Clear(UnitAttention condition) => Interlocked.And(ref _pending, ~(int)condition);

    /// <summary>Removes and returns the highest-precedence pending condition, or None.</summary>
    public UnitAttention TakeNext()
    {
        while (true)
        {
            var current = Volatile.Read(ref _pending);
            if (current == 0)
            {
                return UnitAttention.None;
            }

            var next = current & -current;
            if (Interlocked.CompareExchange(ref _pending, current & ~next, current) == current)
            {
                return (UnitAttention)next;
            }
        }
    }

    public static SenseCode ToSense(UnitAttention condition) => condition switch
    {
        UnitAttention.PowerOnReset => SenseCode.PowerOnResetOccurred,
        UnitAttention.BusDeviceReset => SenseCode.BusDeviceResetFunctionOccurred,
        UnitAttention.ItNexusLoss => SenseCode.ItNexusLossOccurred,
        UnitAttention.CommandsClearedByAnotherInitiator => SenseCode.CommandsClearedByAnotherInitiator,
        UnitAttention.ReservationsPreempted => SenseCode.ReservationsPreempted,
        UnitAttention.ReservationsReleased => SenseCode.ReservationsReleased,
        UnitAttention.RegistrationsPreempted => SenseCode.RegistrationsPreempted,
        UnitAttention.ModeParametersChanged => SenseCode.ModeParametersChanged,
        UnitAttention.CapacityDataChanged => SenseCode.CapacityDataChanged,
        UnitAttention.InquiryDataChanged => SenseCode.InquiryDataChanged,
        UnitAttention.ReportedLunsDataChanged => SenseCode.ReportedLunsDataChanged,
        _ => throw new ArgumentOutOfRangeException(nameof(condition), condition, "Not a single unit attention condition."),
    };
}
