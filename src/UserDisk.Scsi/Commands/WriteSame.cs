using static UserDisk.Scsi.OperationCode;

namespace UserDisk.Scsi.Commands;

/// <summary>
/// WRITE SAME (10) and (16) (SBC-4): one block of data-out (or zeros with NDOB) written to every block of the
/// range; with UNMAP=1 and a zero block on a thin unit whose deallocated blocks read zero, the range is
/// deallocated instead, which reads back the same.
/// </summary>
internal static class WriteSame
{
    public static async ValueTask ExecuteAsync(LogicalUnit lu, ScsiCommand command, CancellationToken cancellationToken)
    {
        var cdb = command.Cdb;
        var (lba, blocks, countOffset) = CdbFields.LbaAndCount(cdb);
        var flags = cdb[1];
        var unmap = (flags & 0x08) != 0;
        var noDataOut = cdb[0] == WriteSame16 && (flags & 0x01) != 0;
        if ((flags & 0xE0) != 0)
        {
            lu.FailCdb(command, 1, 7);          // WRPROTECT without protection information
            return;
        }

        if ((flags & 0x10) != 0)
        {
            lu.FailCdb(command, 1, 4);          // ANCHOR: anchored blocks are not supported
            return;
        }

        if ((flags & 0x06) != 0)
        {
            lu.FailCdb(command, 1, (flags & 0x04) != 0 ? 2 : 1); // PBDATA / LBDATA are obsolete
            return;
        }

        if (unmap && !lu.Backstore.SupportsUnmap)
        {
            lu.FailCdb(command, 1, 3);          // LBPWS=0: WRITE SAME cannot unmap here
            return;
        }

        if (blocks == 0 || blocks > lu.Options.MaxUnmapBlocks)
        {
            // WSNZ=1 (Block Limits VPD): zero blocks is refused; MAXIMUM WRITE SAME LENGTH bounds the rest.
            lu.FailCdb(command, countOffset);
            return;
        }

        if (!lu.CheckRange(command, lba, blocks))
        {
            return;
        }

        var bs = lu.BlockSize;
        ReadOnlyMemory<byte> pattern = default;
        if (!noDataOut)
        {
            if (!lu.TryTakeExactDataOut(command, bs, countOffset, out var block))
            {
                return;
            }

            pattern = block;
        }
        else
        {
            command.SetResidual(0);
        }

        var zeros = pattern.IsEmpty || !pattern.Span.ContainsAnyExcept((byte)0);
        long total = blocks * (long)bs;
        var token = await lu.WriteLock.AcquireAsync(lba, blocks, exclusive: false, cancellationToken).ConfigureAwait(false);
        try
        {
            if (unmap && zeros && lu.Backstore.UnmappedReadsZero)
            {
                await lu.Backstore.UnmapAsync((long)lba * bs, total, cancellationToken).ConfigureAwait(false);
                return;
            }

            var fua = !lu.Mode.WriteCacheEnabled;
            var scratch = Scratch.Rent(total);
            try
            {
                var chunk = scratch.Length / bs * bs;
                var fill = scratch.AsSpan(0, (int)Math.Min(chunk, total));
                if (zeros)
                {
                    fill.Clear();
                }
                else
                {
                    for (var p = 0; p < fill.Length; p += bs)
                    {
                        pattern.Span.CopyTo(fill[p..]);
                    }
                }

                for (long done = 0; done < total; done += chunk)
                {
                    var n = (int)Math.Min(chunk, total - done);
                    await lu.Backstore.WriteAsync(((long)lba * bs) + done, scratch.AsMemory(0, n), fua, cancellationToken).ConfigureAwait(false);
                }

                lu.Counters.Write((int)Math.Min(total, int.MaxValue));
            }
            finally
            {
                Scratch.Return(scratch);
            }
        }
        finally
        {
            lu.WriteLock.Release(token);
        }
    }
}
