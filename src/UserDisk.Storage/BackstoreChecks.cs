using System.Diagnostics.CodeAnalysis;

namespace UserDisk.Storage;

/// <summary>Argument and range checks shared by the backstores, with the throws kept out of the hot methods.</summary>
internal static class BackstoreChecks
{
    /// <summary>
    /// FLUSH of a read-only image (squashfs, S3 object): nothing was ever written, so nothing is made durable; the
    /// store must still be open and the range valid.
    /// </summary>
    public static ValueTask FlushReadOnly(bool disposed, object store, long offset, long length, long storeLength, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        try
        {
            ObjectDisposedException.ThrowIf(disposed, store);
            CheckFlushRange(offset, length, storeLength);
            return ValueTask.CompletedTask;
        }
        catch (Exception ex)
        {
            return ValueTask.FromException(ex);
        }
    }

    /// <summary>
    /// The allocation map of a fully provisioned image: nothing is ever deallocated, so every block is mapped (what
    /// the contract asks of a store that cannot tell).
    /// </summary>
    public static ValueTask<AllocationExtent> AllMapped(bool disposed, object store, long offset, long maxLength, long storeLength, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<AllocationExtent>(cancellationToken);
        }

        try
        {
            ObjectDisposedException.ThrowIf(disposed, store);
            if (maxLength <= 0)
            {
                throw new BackstoreException(BackstoreError.InvalidArgument, $"maxLength {maxLength} must be positive.");
            }

            CheckRange(offset, 1, storeLength);
            return ValueTask.FromResult(new AllocationExtent(offset, Math.Min(maxLength, storeLength - offset), IsMapped: true));
        }
        catch (Exception ex)
        {
            return ValueTask.FromException<AllocationExtent>(ex);
        }
    }

    /// <summary>The logical block sizes a backstore accepts (SBC-4 allows others, but initiators handle only these well).</summary>
    public static bool IsSupportedBlockSize(int blockSize) => blockSize is 512 or 1024 or 2048 or 4096;

    public static void ValidateBlockSize(int blockSize, string paramName)
    {
        if (!IsSupportedBlockSize(blockSize))
        {
            throw new ArgumentException($"{paramName} {blockSize} is not supported (use 512, 1024, 2048 or 4096).", paramName);
        }
    }

    public static void ValidateLength(long length, int blockSize, string paramName)
    {
        if (length <= 0 || length % blockSize != 0)
        {
            throw new ArgumentException($"{paramName} {length} must be a positive multiple of the block size {blockSize}.", paramName);
        }
    }

    /// <summary>Throws <see cref="BackstoreError.OutOfRange"/> unless [offset, offset + length) lies inside [0, storeLength).</summary>
    public static void CheckRange(long offset, long length, long storeLength)
    {
        // Written so that no sum can overflow: offset <= storeLength - length.
        if (offset < 0 || length < 0 || length > storeLength || offset > storeLength - length)
        {
            ThrowOutOfRange(offset, length, storeLength);
        }
    }

    /// <summary>As <see cref="CheckRange"/>, but a length of 0 means "from offset to the end" (FlushAsync).</summary>
    public static void CheckFlushRange(long offset, long length, long storeLength)
    {
        if (length == 0)
        {
            if (offset < 0 || offset > storeLength)
            {
                ThrowOutOfRange(offset, length, storeLength);
            }

            return;
        }

        CheckRange(offset, length, storeLength);
    }

    [DoesNotReturn]
    public static void ThrowOutOfRange(long offset, long length, long storeLength) =>
        throw new BackstoreException(
            BackstoreError.OutOfRange,
            $"The range of {length} bytes at offset {offset} lies outside the store of {storeLength} bytes.");

    [DoesNotReturn]
    public static void ThrowWriteProtected(string what) =>
        throw new BackstoreException(BackstoreError.WriteProtected, $"{what} is read-only.");
}
