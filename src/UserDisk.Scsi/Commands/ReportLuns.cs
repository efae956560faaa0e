using System.Buffers;
using System.Buffers.Binary;

namespace UserDisk.Scsi.Commands;

/// <summary>
/// REPORT LUNS (SPC-5) for front ends that route it to a logical unit (under SCST the core answers it).
/// LUN numbers are encoded with the flat/peripheral addressing of SAM-5.
/// </summary>
public static class ReportLuns
{
    internal static void Execute(LogicalUnit lu, ScsiCommand command)
    {
        var cdb = command.Cdb;
        var selectReport = cdb[2];
        var allocationLength = BinaryPrimitives.ReadUInt32BigEndian(cdb[6..]);
        if (allocationLength < 16)
        {
            // SPC-5: an allocation length under 16 is INVALID FIELD IN CDB.
            lu.FailCdb(command, 6);
            return;
        }

        if (selectReport is not (0x00 or 0x01 or 0x02 or 0x10 or 0x11 or 0x12))
        {
            lu.FailCdb(command, 2);
            return;
        }

        lu.GetNexusState(command.Nexus)?.Clear(UnitAttention.ReportedLunsDataChanged);
        IReadOnlyList<ulong> luns = lu.LunInventory?.Invoke() ?? [0UL];
        if (selectReport is 0x01 or 0x11)
        {
            // Well-known logical units only: there are none.
            luns = [];
        }

        var length = 8 + (8 * luns.Count);
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var written = Write(rented, luns);
            command.CompleteDataIn(rented.AsSpan(0, written), allocationLength);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Writes REPORT LUNS parameter data for <paramref name="luns"/>; returns its length.</summary>
    public static int Write(Span<byte> destination, IReadOnlyList<ulong> luns)
    {
        ArgumentNullException.ThrowIfNull(luns);
        var length = 8 + (8 * luns.Count);
        destination[..length].Clear();
        BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)(8 * luns.Count));
        for (var i = 0; i < luns.Count; i++)
        {
            BinaryPrimitives.WriteUInt64BigEndian(destination[(8 + (8 * i))..], EncodeLun(luns[i]));
        }

        return length;
    }

    /// <summary>SAM-5 LUN encoding: peripheral addressing below 256, flat space addressing up to 16383.</summary>
    public static ulong EncodeLun(ulong lun)
    {
        if (lun < 256)
        {
            return lun << 48;
        }

        if (lun < 0x4000)
        {
            return (0x4000UL | lun) << 48;
        }

        throw new ArgumentOutOfRangeException(nameof(lun), lun, "LUN numbers above 16383 need extended addressing, which is not offered.");
    }

    /// <summary>Decodes the first level of a SAM-5 LUN (peripheral or flat addressing); null for other methods.</summary>
    public static ulong? DecodeLun(ulong encoded)
    {
        var first = (ushort)(encoded >> 48);
        return (first >> 14) switch
        {
            0 => (ulong)(first & 0xFF),
            1 => (ulong)(first & 0x3FFF),
            _ => null,
        };
    }
}
