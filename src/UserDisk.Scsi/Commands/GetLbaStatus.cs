using System.Buffers.Binary;

namespace UserDisk.Scsi.Commands;

/// <summary>
/// GET LBA STATUS (SBC-4): LBA status descriptors (mapped or deallocated extents) from the starting LBA, as many
/// as the allocation length holds, from the backstore's allocation map.
/// </summary>
internal static class GetLbaStatus
{
    private const int HeaderLength = 8;
    private const int DescriptorLength = 16;
    private const int MaxDescriptors = 64;

    public static async ValueTask ExecuteAsync(LogicalUnit lu, ScsiCommand command, CancellationToken cancellationToken)
    {
        var cdb = command.Cdb;
        var lba = BinaryPrimitives.ReadUInt64BigEndian(cdb[2..]);
        var allocationLength = BinaryPrimitives.ReadUInt32BigEndian(cdb[10..]);
        var blockCount = (ulong)lu.BlockCount;
        if (lba >= blockCount)
        {
            lu.Fail(command, SenseCode.LbaOutOfRange);
            return;
        }

        var bs = lu.BlockSize;
        var room = (int)Math.Clamp((allocationLength - HeaderLength) / DescriptorLength, 1, MaxDescriptors);
        if (allocationLength < HeaderLength)
        {
            room = 1;
        }

        var buffer = new byte[HeaderLength + (room * DescriptorLength)];
        var n = 0;
        var at = lba;
        while (n < room && at < blockCount)
        {
            var remaining = (long)(blockCount - at) * bs;
            var extent = await lu.Backstore.GetAllocationAsync((long)at * bs, remaining, cancellationToken).ConfigureAwait(false);
            var blocks = (ulong)Math.Max(1, Math.Min(extent.Length, remaining) / bs);
            blocks = Math.Min(blocks, uint.MaxValue);
            var d = buffer.AsSpan(HeaderLength + (n * DescriptorLength));
            BinaryPrimitives.WriteUInt64BigEndian(d, at);
            BinaryPrimitives.WriteUInt32BigEndian(d[8..], (uint)blocks);
            d[12] = extent.IsMapped ? (byte)0 : (byte)1; // PROVISIONING STATUS: 0 mapped, 1 deallocated
            at += blocks;
            n++;
        }

        var length = HeaderLength + (n * DescriptorLength);
        BinaryPrimitives.WriteUInt32BigEndian(buffer, (uint)(length - 4));
        command.CompleteDataIn(buffer.AsSpan(0, length), allocationLength);
    }
}
