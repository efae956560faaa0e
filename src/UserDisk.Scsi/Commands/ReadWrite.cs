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

        if (bytes > command.ExpectedTransferLength || bytes > command.Data.Length)
        {
            lu.Fail(command, SenseCode.InvalidFieldInCommandInformationUnit);
            return default;
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
        if (!lu.TryTakeDataOut(command, bytes, out var data))
        {
            return default;
        }

        if (bytes == 0)
        {
            lu.Counters.Write(0);
            return default;
        }

        // With the write cache disabled every write must be durable on completion (SBC-4 Caching page, WCE).
        return WriteBlocksAsync(lu, lba, data, fua || !lu.Mode.WriteCacheEnabled, cancellationToken);
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
