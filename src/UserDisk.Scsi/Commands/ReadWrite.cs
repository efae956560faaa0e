using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using static UserDisk.Scsi.OperationCode;

namespace UserDisk.Scsi.Commands;

/// <summary>READ and WRITE (6/10/12/16) of SBC-4: the data path.</summary>
internal static class ReadWrite
{
    public static ValueTask ReadAsync(LogicalUnit lu, ScsiCommand command, CancellationToken cancellationToken)
    {
        if (!TryDecode(lu, command, out var lba, out var blocks, out _))
        {
            return default;
        }

        var bytes = (int)blocks * lu.BlockSize;
        command.SetResidual(bytes);
        if (bytes == 0)
        {
            // SBC-4: a transfer length of zero transfers no data and is not an error.
            lu.Counters.Read(0);
            return default;
        }

        var room = Math.Min(command.ExpectedTransferLength, command.Data.Length);
        if (bytes > room)
        {
            // SPDTL > EDTL: FCP-4 and RFC 7143 let the target transfer only what the initiator expects and report
            // the overflow; libiscsi's residual tests expect exactly that.
            return ReadTruncatedAsync(lu, command, lba, room, cancellationToken);
        }

        var pending = lu.Backstore.ReadAsync((long)lba * lu.BlockSize, command.Data[..bytes], cancellationToken);
        if (!pending.IsCompletedSuccessfully)
        {
            return AwaitRead(pending, lu, command, bytes);
        }

        pending.GetAwaiter().GetResult();
        command.DataLength = bytes;
        lu.Counters.Read(bytes);
        return default;
    }

    public static ValueTask WriteAsync(LogicalUnit lu, ScsiCommand command, CancellationToken cancellationToken)
    {
        if (!TryDecode(lu, command, out var lba, out var blocks, out var fua))
        {
            return default;
        }

        var bytes = (long)blocks * lu.BlockSize;
        command.SetResidual(bytes);
        if (bytes == 0)
        {
            lu.Counters.Write(0);
            return default;
        }

        // With the write cache disabled every write must be durable on completion (SBC-4 Caching page, WCE).
        fua |= !lu.Mode.WriteCacheEnabled;
        var room = Math.Min(command.ExpectedTransferLength, command.Data.Length);
        if (bytes > room)
        {
            // SPDTL > EDTL: write only the bytes the initiator sent (FCP-4 option a, as for reads).
            command.DataLength = room;
            return WritePartialAsync(lu, lba, command.Data[..room], fua, cancellationToken);
        }

        command.DataLength = (int)bytes;
        return WriteBlocksAsync(lu, lba, command.Data[..(int)bytes], fua, cancellationToken);
    }

    /// <summary>
    /// Writes <paramref name="data"/>, which may end inside a block: whole blocks go straight to the backstore, the
    /// tail block is read, patched and written back, all under one write lock so no other write interleaves.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    internal static async ValueTask WritePartialAsync(LogicalUnit lu, ulong lba, ReadOnlyMemory<byte> data, bool fua, CancellationToken cancellationToken)
    {
        var bs = lu.BlockSize;
        var full = data.Length / bs * bs;
        var rest = data.Length - full;
        var blocks = (ulong)((data.Length + bs - 1) / bs);
        var token = await lu.WriteLock.AcquireAsync(lba, blocks, exclusive: false, cancellationToken).ConfigureAwait(false);
        try
        {
            if (full > 0)
            {
                await lu.Backstore.WriteAsync((long)lba * bs, data[..full], fua, cancellationToken).ConfigureAwait(false);
            }

            if (rest > 0)
            {
                var scratch = Scratch.Rent(bs);
                try
                {
                    var offset = ((long)lba * bs) + full;
                    await lu.Backstore.ReadAsync(offset, scratch.AsMemory(0, bs), cancellationToken).ConfigureAwait(false);
                    data.Span[full..].CopyTo(scratch);
                    await lu.Backstore.WriteAsync(offset, scratch.AsMemory(0, bs), fua, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    Scratch.Return(scratch);
                }
            }
        }
        finally
        {
            lu.WriteLock.Release(token);
        }

        lu.Counters.Write(data.Length);
    }

    /// <summary>Reads the first <paramref name="room"/> bytes of the range; the last block may be cut short.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private static async ValueTask ReadTruncatedAsync(LogicalUnit lu, ScsiCommand command, ulong lba, int room, CancellationToken cancellationToken)
    {
        var bs = lu.BlockSize;
        var full = room / bs * bs;
        var rest = room - full;
        if (full > 0)
        {
            await lu.Backstore.ReadAsync((long)lba * bs, command.Data[..full], cancellationToken).ConfigureAwait(false);
        }

        if (rest > 0)
        {
            var scratch = Scratch.Rent(bs);
            try
            {
                await lu.Backstore.ReadAsync(((long)lba * bs) + full, scratch.AsMemory(0, bs), cancellationToken).ConfigureAwait(false);
                scratch.AsSpan(0, rest).CopyTo(command.Data.Span[full..]);
            }
            finally
            {
                Scratch.Return(scratch);
            }
        }

        command.DataLength = room;
        lu.Counters.Read(room);
    }

    /// <summary>Writes under the unit's write range lock so COMPARE AND WRITE stays atomic against it.</summary>
    internal static ValueTask WriteBlocksAsync(LogicalUnit lu, ulong lba, ReadOnlyMemory<byte> data, bool fua, CancellationToken cancellationToken)
    {
        var blocks = (ulong)(data.Length / lu.BlockSize);
        var acquire = lu.WriteLock.AcquireAsync(lba, blocks, exclusive: false, cancellationToken);
        if (!acquire.IsCompletedSuccessfully)
        {
            return AwaitLockThenWrite(acquire, lu, lba, data, fua, cancellationToken);
        }

        var token = acquire.Result;
        ValueTask pending;
        try
        {
            pending = lu.Backstore.WriteAsync((long)lba * lu.BlockSize, data, fua, cancellationToken);
        }
        catch
        {
            lu.WriteLock.Release(token);
            throw;
        }

        if (!pending.IsCompletedSuccessfully)
        {
            return AwaitWrite(pending, lu, token, data.Length);
        }

        lu.WriteLock.Release(token);
        pending.GetAwaiter().GetResult();
        lu.Counters.Write(data.Length);
        return default;
    }

    /// <summary>Decodes LBA, transfer length and FUA, and checks protection fields, range and size.</summary>
    private static bool TryDecode(LogicalUnit lu, ScsiCommand command, out ulong lba, out uint blocks, out bool fua)
    {
        var cdb = command.Cdb;
        int lengthOffset;
        switch (cdb[0])
        {
            case Read6 or Write6:
                // SBC-4 READ(6)/WRITE(6): 21-bit LBA; a TRANSFER LENGTH of 0 means 256 blocks.
                lba = (ulong)(((cdb[1] & 0x1F) << 16) | (cdb[2] << 8) | cdb[3]);
                blocks = cdb[4] == 0 ? 256u : cdb[4];
                fua = false;
                lengthOffset = 4;
                break;
            case Read10 or Write10:
                lba = BinaryPrimitives.ReadUInt32BigEndian(cdb[2..]);
                blocks = BinaryPrimitives.ReadUInt16BigEndian(cdb[7..]);
                fua = (cdb[1] & 0x08) != 0;
                lengthOffset = 7;
                break;
            case Read12 or Write12:
                lba = BinaryPrimitives.ReadUInt32BigEndian(cdb[2..]);
                blocks = BinaryPrimitives.ReadUInt32BigEndian(cdb[6..]);
                fua = (cdb[1] & 0x08) != 0;
                lengthOffset = 6;
                break;
            default:
                lba = BinaryPrimitives.ReadUInt64BigEndian(cdb[2..]);
                blocks = BinaryPrimitives.ReadUInt32BigEndian(cdb[10..]);
                fua = (cdb[1] & 0x08) != 0;
                lengthOffset = 10;
                break;
        }

        // RDPROTECT/WRPROTECT (byte 1, bits 7-5) need protection information, which this unit does not have
        // (SBC-4: ILLEGAL REQUEST, INVALID FIELD IN CDB).
        if (cdb[0] != Read6 && cdb[0] != Write6 && (cdb[1] & 0xE0) != 0)
        {
            lu.FailCdb(command, 1, 7);
            return false;
        }

        if (!lu.CheckRange(command, lba, blocks))
        {
            return false;
        }

        // Block Limits VPD MAXIMUM TRANSFER LENGTH (SBC-4): longer transfers are refused.
        if ((long)blocks * lu.BlockSize > lu.Options.MaxTransferBytes)
        {
            lu.FailCdb(command, lengthOffset);
            return false;
        }

        return true;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private static async ValueTask AwaitRead(ValueTask pending, LogicalUnit lu, ScsiCommand command, int bytes)
    {
        await pending.ConfigureAwait(false);
        command.DataLength = bytes;
        lu.Counters.Read(bytes);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private static async ValueTask AwaitWrite(ValueTask pending, LogicalUnit lu, int token, int bytes)
    {
        try
        {
            await pending.ConfigureAwait(false);
        }
        finally
        {
            lu.WriteLock.Release(token);
        }

        lu.Counters.Write(bytes);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private static async ValueTask AwaitLockThenWrite(ValueTask<int> acquire, LogicalUnit lu, ulong lba, ReadOnlyMemory<byte> data, bool fua, CancellationToken cancellationToken)
    {
        var token = await acquire.ConfigureAwait(false);
        try
        {
            await lu.Backstore.WriteAsync((long)lba * lu.BlockSize, data, fua, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            lu.WriteLock.Release(token);
        }

        lu.Counters.Write(data.Length);
    }
}
