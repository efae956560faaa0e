using System.Buffers.Binary;

namespace UserDisk.Scsi.Commands;

/// <summary>
/// UNMAP (SBC-4): deallocates the ranges of the block descriptors. Every descriptor is checked before any range is
/// touched, so a bad list changes nothing. Offered only by units whose backstore can deallocate.
/// </summary>
internal static class Unmap
{
    private const int HeaderLength = 8;
    private const int DescriptorLength = 16;

    public static async ValueTask ExecuteAsync(LogicalUnit lu, ScsiCommand command, CancellationToken cancellationToken)
    {
        var cdb = command.Cdb;
        if ((cdb[1] & 0x01) != 0)
        {
            lu.FailCdb(command, 1, 0);          // ANCHOR
            return;
        }

        int parameterListLength = BinaryPrimitives.ReadUInt16BigEndian(cdb[7..]);
        if (!lu.TryTakeDataOut(command, parameterListLength, out var data) || parameterListLength == 0)
        {
            return;
        }

        if (parameterListLength < HeaderLength)
        {
            lu.Fail(command, SenseCode.ParameterListLengthError);
            return;
        }

        if (!TryValidate(lu, command, data.Span, out var count))
        {
            return;
        }

        var bs = lu.BlockSize;
        var token = await lu.WriteLock.AcquireAsync(0, (ulong)lu.BlockCount, exclusive: false, cancellationToken).ConfigureAwait(false);
        try
        {
            for (var i = 0; i < count; i++)
            {
                var (lba, blocks) = ReadDescriptor(data.Span, i);
                if (blocks != 0)
                {
                    await lu.Backstore.UnmapAsync((long)lba * bs, (long)blocks * bs, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            lu.WriteLock.Release(token);
        }
    }

    private static bool TryValidate(LogicalUnit lu, ScsiCommand command, ReadOnlySpan<byte> data, out int count)
    {
        int descriptorBytes = BinaryPrimitives.ReadUInt16BigEndian(data[2..]);
        count = Math.Min(descriptorBytes, data.Length - HeaderLength) / DescriptorLength;
        if (count > lu.Options.MaxUnmapDescriptors)
        {
            // More descriptors than the Block Limits VPD MAXIMUM UNMAP BLOCK DESCRIPTOR COUNT allows.
            lu.FailParameter(command, 2);
            return false;
        }

        ulong total = 0;
        for (var i = 0; i < count; i++)
        {
            var (lba, blocks) = ReadDescriptor(data, i);
            if (!lu.CheckRange(command, lba, blocks))
            {
                return false;
            }

            // SBC-4 UNMAP parameter list: the total of all descriptors, not each one, is bound by the Block Limits
            // VPD MAXIMUM UNMAP LBA COUNT. The pointer names the descriptor that goes over it.
            total += blocks;
            if (total > lu.Options.MaxUnmapBlocks)
            {
                lu.FailParameter(command, HeaderLength + (i * DescriptorLength) + 8);
                return false;
            }
        }

        return true;
    }

    private static (ulong Lba, uint Blocks) ReadDescriptor(ReadOnlySpan<byte> data, int index)
    {
        var d = data.Slice(HeaderLength + (index * DescriptorLength), DescriptorLength);
        return (BinaryPrimitives.ReadUInt64BigEndian(d), BinaryPrimitives.ReadUInt32BigEndian(d[8..]));
    }
}
