using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace UserDisk.Scsi.Reservations;

/// <summary>
/// TransportIDs (SPC-5 7.6.4): how persistent reservations name an initiator port in READ FULL STATUS and
/// REGISTER AND MOVE. Front ends build the one for their transport; the engine compares them through a canonical
/// identity so that two spellings of the same port (iSCSI names are case-insensitive, an ISID may be written with
/// or without leading zeros) register as one.
/// </summary>
public static class TransportId
{
    /// <summary>PROTOCOL IDENTIFIER of iSCSI (SPC-5 table "PROTOCOL IDENTIFIER values").</summary>
    public const byte IscsiProtocol = 0x5;

    /// <summary>The separator between the iSCSI name and the ISID in an initiator port name (RFC 7143 4.2.7.1).</summary>
    public const string IscsiPortSeparator = ",i,0x";

    // Protocols whose TransportID is 24 bytes (SPC-5 7.6.4.2-7.6.4.5, 7.6.4.7): Fibre Channel, IEEE 1394, SRP, SAS.
    private const byte FibreChannelProtocol = 0x0;
    private const byte Ieee1394Protocol = 0x3;
    private const byte SrpProtocol = 0x4;
    private const byte SasProtocol = 0x6;
    private const int FixedLength = 24;

    // SPC-5 7.6.4.6: an iSCSI TransportID's ADDITIONAL LENGTH is at least 20 and a multiple of four.
    private const int IscsiMinimumAdditionalLength = 20;
    private const int IsidDigits = 12;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// The iSCSI TransportID of SPC-5 7.6.4.6: format 01b (initiator port: name, ",i,0x", the 12 hex digits of the
    /// ISID) when <paramref name="isid"/> is given, format 00b (initiator device: the name alone) otherwise.
    /// </summary>
    public static byte[] Iscsi(string iscsiName, ulong? isid = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(iscsiName);
        if (iscsiName.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("An iSCSI name cannot contain a null character.", nameof(iscsiName));
        }

        if (isid > 0xFFFF_FFFF_FFFFUL)
        {
            throw new ArgumentOutOfRangeException(nameof(isid), isid, "An ISID is 6 bytes.");
        }

        var text = isid is ulong value
            ? string.Create(CultureInfo.InvariantCulture, $"{iscsiName}{IscsiPortSeparator}{value:x12}")
            : iscsiName;
        var nameLength = Encoding.UTF8.GetByteCount(text);

        // The name is null-terminated and padded with nulls to a multiple of four.
        var additional = Math.Max(IscsiMinimumAdditionalLength, (nameLength + 1 + 3) & ~3);
        if (additional > ushort.MaxValue)
        {
            throw new ArgumentException("The iSCSI name is too long for a TransportID.", nameof(iscsiName));
        }

        var id = new byte[4 + additional];
        id[0] = (byte)((isid is null ? 0x00 : 0x40) | IscsiProtocol);
        BinaryPrimitives.WriteUInt16BigEndian(id.AsSpan(2), (ushort)additional);
        Encoding.UTF8.GetBytes(text, id.AsSpan(4));
        return id;
    }

    /// <summary>
    /// The iSCSI TransportID for an initiator port name as RFC 7143 spells it ("iqn...,i,0x&lt;ISID&gt;"); a name
    /// without the ",i,0x" part gives the format 00b TransportID of the name alone.
    /// </summary>
    public static byte[] FromIscsiPortName(string initiatorPortName)
    {
        ArgumentException.ThrowIfNullOrEmpty(initiatorPortName);
        var separator = initiatorPortName.IndexOf(IscsiPortSeparator, StringComparison.OrdinalIgnoreCase);
        if (separator < 0)
        {
            return Iscsi(initiatorPortName);
        }

        var isid = ParseIsid(initiatorPortName.AsSpan(separator + IscsiPortSeparator.Length))
            ?? throw new ArgumentException($"'{initiatorPortName}' does not end in an ISID of at most {IsidDigits} hex digits.", nameof(initiatorPortName));
        return Iscsi(initiatorPortName[..separator], isid);
    }

    /// <summary>
    /// The length of the TransportID at the start of <paramref name="data"/>, or -1 when it is not one the engine
    /// understands (an unknown protocol, an unknown format, or one that runs past the data).
    /// </summary>
    internal static int Length(ReadOnlySpan<byte> data)
    {
        if (data.Length < 4)
        {
            return -1;
        }

        var format = data[0] >> 6;
        var protocol = data[0] & 0x0F;
        int length;
        switch (protocol)
        {
            case IscsiProtocol when format is 0 or 1:
                var additional = BinaryPrimitives.ReadUInt16BigEndian(data[2..]);
                if (additional < 4 || (additional & 3) != 0)
                {
                    return -1;
                }

                length = 4 + additional;
                break;
            case FibreChannelProtocol or Ieee1394Protocol or SrpProtocol or SasProtocol when format == 0:
                length = FixedLength;
                break;
            default:
                return -1;
        }

        return length <= data.Length ? length : -1;
    }

    /// <summary>
    /// The canonical identity of the initiator port a whole TransportID names, or null when it is malformed. Two
    /// TransportIDs name the same initiator port exactly when their identities are equal.
    /// </summary>
    internal static string? Identity(ReadOnlySpan<byte> transportId)
    {
        var length = Length(transportId);
        if (length < 0)
        {
            return null;
        }

        transportId = transportId[..length];
        var protocol = transportId[0] & 0x0F;
        if (protocol != IscsiProtocol)
        {
            return $"{protocol:x}:{Convert.ToHexStringLower(transportId)}";
        }

        // The name ends at the first null; iSCSI names compare case-insensitively (RFC 3722 stringprep lowercases).
        var text = transportId[4..];
        var end = text.IndexOf((byte)0);
        if (end >= 0)
        {
            text = text[..end];
        }

        string name;
        try
        {
            name = StrictUtf8.GetString(text);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }

        if (transportId[0] >> 6 == 0)
        {
            return name.Length == 0 ? null : $"iscsi:{name.ToLowerInvariant()}";
        }

        var separator = name.IndexOf(IscsiPortSeparator, StringComparison.OrdinalIgnoreCase);
        if (separator <= 0 || ParseIsid(name.AsSpan(separator + IscsiPortSeparator.Length)) is not ulong isid)
        {
            return null;
        }

        return string.Create(CultureInfo.InvariantCulture, $"iscsi:{name[..separator].ToLowerInvariant()}{IscsiPortSeparator}{isid:x12}");
    }

    private static ulong? ParseIsid(ReadOnlySpan<char> digits) =>
        digits.Length is > 0 and <= IsidDigits
            && ulong.TryParse(digits, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var isid)
            ? isid
            : null;
}
