using System.Buffers.Binary;

namespace UserDisk.Scsi.Commands;

/// <summary>READ CAPACITY (10) and (16) (SBC-4).</summary>
internal static class ReadCapacity
{
    public static void Execute10(LogicalUnit lu, ScsiCommand command)
    {
        var cdb = command.Cdb;
        var pmi = (cdb[8] & 0x01) != 0;
        if (!pmi && BinaryPrimitives.ReadUInt32BigEndian(cdb[2..]) != 0)
        {
            // SBC-4: with PMI zero the LOGICAL BLOCK ADDRESS field must be zero.
            lu.FailCdb(command, 2);
            return;
        }

        Span<byte> data = stackalloc byte[8];
        var last = lu.BlockCount - 1;

        // 0xFFFFFFFF tells the initiator to use READ CAPACITY (16).
        BinaryPrimitives.WriteUInt32BigEndian(data, last > uint.MaxValue ? uint.MaxValue : (uint)last);
        BinaryPrimitives.WriteUInt32BigEndian(data[4..], (uint)lu.BlockSize);
        command.CompleteDataIn(data, 8);
    }

    public static void Execute16(LogicalUnit lu, ScsiCommand command)
    {
        var cdb = command.Cdb;
        var allocationLength = BinaryPrimitives.ReadUInt32BigEndian(cdb[10..]);
        var pmi = (cdb[14] & 0x01) != 0;
        if (!pmi && BinaryPrimitives.ReadUInt64BigEndian(cdb[2..]) != 0)
        {
            lu.FailCdb(command, 2);
            return;
        }

        Span<byte> data = stackalloc byte[32];
        data.Clear();
        BinaryPrimitives.WriteUInt64BigEndian(data, (ulong)(lu.BlockCount - 1));
        BinaryPrimitives.WriteUInt32BigEndian(data[8..], (uint)lu.BlockSize);

        // LOGICAL BLOCKS PER PHYSICAL BLOCK EXPONENT (0 by default: a physical block is a logical block).
        data[13] = lu.Options.PhysicalBlockExponent;
        if (lu.Backstore.SupportsUnmap)
        {
            data[14] = (byte)(0x80 | (lu.Backstore.UnmappedReadsZero ? 0x40 : 0)); // LBPME, LBPRZ
        }

        command.CompleteDataIn(data, allocationLength);
    }
}
