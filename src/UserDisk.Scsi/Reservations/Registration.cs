namespace UserDisk.Scsi.Reservations;

/// <summary>
/// One registration (SPC-5 5.13.7): a reservation key for the I_T nexus of an initiator port and a target port, or
/// for that initiator port through every target port (ALL_TG_PT=1). Immutable: a changed key is a new object.
/// </summary>
internal sealed class Registration
{
    public Registration(string initiator, byte[] transportId, ushort relativeTargetPortId, bool allTargetPorts, ulong key)
    {
        Initiator = initiator;
        TransportId = transportId;
        RelativeTargetPortId = relativeTargetPortId;
        AllTargetPorts = allTargetPorts;
        Key = key;
    }

    /// <summary>Canonical identity of the initiator port (<see cref="Reservations.TransportId.Identity"/>).</summary>
    public string Initiator { get; }

    /// <summary>The initiator port's TransportID as READ FULL STATUS reports it.</summary>
    public byte[] TransportId { get; }

    /// <summary>The target port the registration applies to, unless <see cref="AllTargetPorts"/>.</summary>
    public ushort RelativeTargetPortId { get; }

    /// <summary>Registered through every target port (ALL_TG_PT=1), reported as one ALL_TG_PT descriptor.</summary>
    public bool AllTargetPorts { get; }

    /// <summary>The reservation key; never zero (zero unregisters).</summary>
    public ulong Key { get; }

    /// <summary>True when <paramref name="nexus"/> is (one of) the I_T nexuses this registration is for.</summary>
    public bool Matches(ItNexus nexus) =>
        (AllTargetPorts || nexus.RelativeTargetPortId == RelativeTargetPortId)
        && string.Equals(nexus.ReservationIdentity, Initiator, StringComparison.Ordinal);

    /// <summary>True when this registration and one for the given initiator and target port(s) share an I_T nexus.</summary>
    public bool Overlaps(string initiator, ushort relativeTargetPortId, bool allTargetPorts) =>
        string.Equals(initiator, Initiator, StringComparison.Ordinal)
        && (AllTargetPorts || allTargetPorts || relativeTargetPortId == RelativeTargetPortId);

    public Registration WithKey(ulong key) => new(Initiator, TransportId, RelativeTargetPortId, AllTargetPorts, key);

    public override string ToString() => AllTargetPorts ? $"{Initiator} (all target ports) key {Key:x16}" : $"{Initiator} port {RelativeTargetPortId} key {Key:x16}";
}
