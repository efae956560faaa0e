using UserDisk.Scsi.Reservations;

namespace UserDisk.Scsi;

/// <summary>
/// An I_T nexus: one initiator port talking to one target port (SAM-5 4.7). Front ends create one per
/// session and pass it with every command; the engine keys unit attentions and SPC-2 reservations on it by reference,
/// and persistent reservation registrations on its initiator port and relative target port (SPC-5 5.13.1).
/// </summary>
public sealed class ItNexus
{
    private static long s_nextId;

    /// <param name="initiatorPortName">The initiator port's name (for iSCSI "name,i,0x&lt;ISID&gt;").</param>
    /// <param name="targetPortName">The target port's name.</param>
    /// <param name="relativeTargetPortId">The target port's RELATIVE TARGET PORT IDENTIFIER (SPC-5, VPD 83h).</param>
    /// <param name="initiatorTransportId">
    /// The initiator port as a TransportID (SPC-5 7.6.4, see <see cref="TransportId"/>); null derives the iSCSI one
    /// from <paramref name="initiatorPortName"/>. Front ends of other transports pass their own.
    /// </param>
    public ItNexus(string initiatorPortName, string targetPortName, ushort relativeTargetPortId = 1, byte[]? initiatorTransportId = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(initiatorPortName);
        ArgumentException.ThrowIfNullOrEmpty(targetPortName);
        InitiatorPortName = initiatorPortName;
        TargetPortName = targetPortName;
        RelativeTargetPortId = relativeTargetPortId;
        var transportId = initiatorTransportId is null ? TransportId.FromIscsiPortName(initiatorPortName) : (byte[])initiatorTransportId.Clone();
        var length = TransportId.Length(transportId);
        if (length < 0 || length != transportId.Length)
        {
            throw new ArgumentException("Not a TransportID the engine understands (SPC-5 7.6.4).", nameof(initiatorTransportId));
        }

        ReservationIdentity = TransportId.Identity(transportId)
            ?? throw new ArgumentException("The TransportID does not name an initiator port.", nameof(initiatorTransportId));
        InitiatorTransportId = transportId;
        Id = Interlocked.Increment(ref s_nextId);
    }

    /// <summary>The initiator port's name, e.g. "iqn.1993-08.org.debian:01:abc,i,0x23d000000001" for iSCSI.</summary>
    public string InitiatorPortName { get; }

    /// <summary>The target port's name, e.g. "iqn.2026-11.io.userdisk:disk1,t,0x0001".</summary>
    public string TargetPortName { get; }

    public ushort RelativeTargetPortId { get; }

    /// <summary>
    /// The initiator port as a TransportID: what persistent reservations register (with
    /// <see cref="RelativeTargetPortId"/>) and report in READ FULL STATUS. Registrations outlive the nexus object: a
    /// new <see cref="ItNexus"/> with the same initiator port and relative target port is the same registrant.
    /// </summary>
    public ReadOnlyMemory<byte> InitiatorTransportId { get; }

    /// <summary>Canonical identity of the initiator port (see <see cref="TransportId"/>), what registrations match on.</summary>
    internal string ReservationIdentity { get; }

    /// <summary>A process-unique number for logs.</summary>
    public long Id { get; }

    public override string ToString() => $"{InitiatorPortName} -> {TargetPortName}";
}
