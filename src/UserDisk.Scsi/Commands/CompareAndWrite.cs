using System.Buffers.Binary;

namespace UserDisk.Scsi.Commands;

/// <summary>
/// COMPARE AND WRITE (SBC-4): compares NUMBER OF LOGICAL BLOCKS blocks with the first half of the data-out buffer
/// and, only if all are equal, writes the second half, atomically with respect to every other write (the range is
/// held exclusive in the unit's write lock). VMware's ATS heartbeats depend on this being atomic.
/// </summary>
internal static class CompareAndWrite
{
    public static async ValueTask ExecuteAsync(LogicalUnit lu, ScsiCommand command, CancellationToken cancellationToken)
    {
        var cdb = command.Cdb;
        if ((cdb[1] & 0xE0) != 0)
        {
            lu.FailCdb(command, 1, 7);
            return;
        }

        var fua = (cdb[1] & 0x08) != 0 || !lu.Mode.WriteCacheEnabled;
        var lba = BinaryPrimitives.ReadUInt64BigEndian(cdb[2..]);
        var blocks = cdb[13];
        if (blocks > lu.Options.MaxCompareAndWriteBlocks)
        {
            // Block Limits VPD MAXIMUM COMPARE AND WRITE LENGTH.
            lu.FailCdb(command, 13);
            return;
        }

        if (!lu.CheckRange(command, lba, blocks))
        {
            return;
        }

        var bs = lu.BlockSize;
        var half = blocks * bs;
        if (!lu.TryTakeExactDataOut(command, 2L * half, 13, out var data) || blocks == 0)
        {
            return;
        }

        var token = await lu.WriteLock.AcquireAsync(lba, blocks, exclusive: true, cancellationToken).ConfigureAwait(false);
        var scratch = Scratch.RentWhole(half);
        try
        {
            var current = scratch.AsMemory(0, half);
            await lu.Backstore.ReadAsync((long)lba * bs, current, cancellationToken).ConfigureAwait(false);
            var at = Scratch.FirstDifference(current.Span, data.Span[..half]);
            if (at >= 0)
            {
                // SBC-4: MISCOMPARE DURING VERIFY OPERATION; INFORMATION = offset of the first differing byte.
                lu.Fail(command, SenseCode.MiscompareDuringVerify, information: (ulong)at);
                return;
            }

            await lu.Backstore.WriteAsync((long)lba * bs, data[half..], fua, cancellationToken).ConfigureAwait(false);
            lu.Counters.Write(half);
        }
        finally
        {
            Scratch.Return(scratch);
            lu.WriteLock.Release(token);
        }
    }
}
