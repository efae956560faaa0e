using static UserDisk.Scsi.OperationCode;

namespace UserDisk.Scsi.Commands;

/// <summary>
/// VERIFY (10/12/16) and WRITE AND VERIFY (10/12/16) (SBC-4). BYTCHK 00b checks the blocks can be read, 01b
/// compares them with the data-out buffer, 11b compares every block with the one block sent. A difference is
/// MISCOMPARE, MISCOMPARE DURING VERIFY OPERATION, with the offset of the first differing byte in INFORMATION.
/// </summary>
internal static class Verify
{
    public static async ValueTask VerifyAsync(LogicalUnit lu, ScsiCommand command, CancellationToken cancellationToken)
    {
        if (!TryDecode(lu, command, out var lba, out var blocks, out var byteCheck))
        {
            return;
        }

        var bs = lu.BlockSize;
        long bytes = blocks * (long)bs;
        ReadOnlyMemory<byte> expected = default;
        switch (byteCheck)
        {
            case 0:
                command.SetResidual(0);
                break;
            case 1:
                if (!lu.TryTakeDataOut(command, bytes, out var all))
                {
                    return;
                }

                expected = all;
                break;
            case 3:
                if (!lu.TryTakeDataOut(command, blocks == 0 ? 0 : bs, out var one))
                {
                    return;
                }

                expected = one;
                break;
            default:
                lu.FailCdb(command, 1, 2);
                return;
        }

        if (blocks == 0)
        {
            return;
        }

        await CompareAsync(lu, command, lba, bytes, expected, byteCheck == 3, cancellationToken).ConfigureAwait(false);
    }

    public static async ValueTask WriteAndVerifyAsync(LogicalUnit lu, ScsiCommand command, CancellationToken cancellationToken)
    {
        if (!TryDecode(lu, command, out var lba, out var blocks, out var byteCheck))
        {
            return;
        }

        if (byteCheck > 1)
        {
            lu.FailCdb(command, 1, 2);
            return;
        }

        var bytes = blocks * (long)lu.BlockSize;
        command.SetResidual(bytes);
        if (blocks == 0)
        {
            return;
        }

        // As WRITE does, take only what the initiator sent when it expected less than the CDB asks (FCP-4 option a).
        var data = command.Data[..(int)Math.Min(bytes, Math.Min(command.ExpectedTransferLength, command.Data.Length))];
        command.DataLength = data.Length;

        // The verify reads what the medium holds, so the write must reach it first: force unit access.
        await ReadWrite.WritePartialAsync(lu, lba, data, fua: true, cancellationToken).ConfigureAwait(false);
        await CompareAsync(lu, command, lba, data.Length, data, repeatOneBlock: false, cancellationToken).ConfigureAwait(false);
    }

    private static bool TryDecode(LogicalUnit lu, ScsiCommand command, out ulong lba, out uint blocks, out int byteCheck)
    {
        var cdb = command.Cdb;
        (lba, blocks, var countOffset) = CdbFields.LbaAndCount(cdb);
        byteCheck = (cdb[1] >> 1) & 0x03;
        if ((cdb[1] & 0xE0) != 0)
        {
            // VRPROTECT/WRPROTECT need protection information, which this unit does not have.
            lu.FailCdb(command, 1, 7);
            return false;
        }

        if (!lu.CheckRange(command, lba, blocks))
        {
            return false;
        }

        // A medium verify moves no data and is chunked; one with data is bound by the transfer limit.
        var withData = cdb[0] is WriteAndVerify10 or WriteAndVerify12 or WriteAndVerify16 || byteCheck == 1;
        if (withData && (long)blocks * lu.BlockSize > lu.Options.MaxTransferBytes)
        {
            lu.FailCdb(command, countOffset);
            return false;
        }

        return true;
    }

    /// <summary>
    /// Reads [lba, lba+bytes) in chunks and compares with <paramref name="expected"/> (none: read only).
    /// </summary>
    private static async ValueTask CompareAsync(LogicalUnit lu, ScsiCommand command, ulong lba, long bytes, ReadOnlyMemory<byte> expected, bool repeatOneBlock, CancellationToken cancellationToken)
    {
        var bs = lu.BlockSize;
        var scratch = Scratch.Rent(Math.Max(bytes, bs));
        try
        {
            var chunk = scratch.Length / bs * bs;
            for (long done = 0; done < bytes; done += chunk)
            {
                // Read whole blocks; compare only the bytes asked for (the last block may be cut short).
                var n = (int)Math.Min(chunk, bytes - done);
                var whole = (n + bs - 1) / bs * bs;
                await lu.Backstore.ReadAsync(((long)lba * bs) + done, scratch.AsMemory(0, whole), cancellationToken).ConfigureAwait(false);
                var actual = scratch.AsMemory(0, n);
                if (expected.IsEmpty)
                {
                    continue;
                }

                var at = repeatOneBlock ? FirstDifferenceAgainstBlock(actual.Span, expected.Span) : Scratch.FirstDifference(actual.Span, expected.Span.Slice((int)done, n));
                if (at >= 0)
                {
                    var offset = repeatOneBlock ? (at % bs) : done + at;
                    lu.Fail(command, SenseCode.MiscompareDuringVerify, information: (ulong)offset);
                    return;
                }
            }
        }
        finally
        {
            Scratch.Return(scratch);
        }
    }

    private static int FirstDifferenceAgainstBlock(ReadOnlySpan<byte> actual, ReadOnlySpan<byte> block)
    {
        for (var p = 0; p < actual.Length; p += block.Length)
        {
            var at = Scratch.FirstDifference(actual.Slice(p, block.Length), block);
            if (at >= 0)
            {
                return p + at;
            }
        }

        return -1;
    }
}
