using System.ComponentModel;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using UserDisk.Storage.Interop;

namespace UserDisk.Storage;

/// <summary>
/// A regular file read with pread, whose <see cref="Length"/> is the file's size rounded <em>up</em> to the block
/// size, the bytes past end of file reading as zeros. The source under a <see cref="SquashfsBackstore"/> opened
/// from a file.
/// </summary>
/// <remarks>
/// Not a <see cref="FileBackstore"/>: that rounds a file's length down to whole blocks, which would cut the end
/// off an image made with <c>mksquashfs -nopad</c> (its id and export tables live in the last bytes), and it
/// refuses a file smaller than one block, which an empty image (156 bytes) is. One descriptor serves the size,
/// the modification time and the data, so the version tag describes exactly the file whose bytes are served even
/// if the path is re-pointed at another file meanwhile (an image replaced by rename keeps being served whole).
/// </remarks>
internal sealed class SquashfsFileSource : IBackstore
{
    private readonly SafeFileHandle _handle;
    private readonly long _length;
    private readonly int _blockSize;
    private volatile bool _disposed;

    private SquashfsFileSource(SafeFileHandle handle, string path, long fileLength, long modifiedTicks, int blockSize)
    {
        _handle = handle;
        Path = path;
        FileLength = fileLength;
        ModifiedTicks = modifiedTicks;
        _blockSize = blockSize;
        _length = (fileLength + blockSize - 1) / blockSize * blockSize;
        Identity = BackstoreIdentity.FromString("file:" + path);
    }

    /// <summary>The canonical path (symbolic links resolved), so two spellings of one image are one disk.</summary>
    public string Path { get; }

    /// <summary>The file's size in bytes when it was opened.</summary>
    public long FileLength { get; }

    /// <summary>The file's modification time (UTC ticks) when it was opened.</summary>
    public long ModifiedTicks { get; }

    public long Length => _length;

    public int BlockSize => _blockSize;

    public bool IsReadOnly => true;

    public BackstoreIdentity Identity { get; }

    public bool SupportsUnmap => false;

    public bool UnmappedReadsZero => false;

    public static SquashfsFileSource Open(string path, int blockSize)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        BackstoreChecks.ValidateBlockSize(blockSize, nameof(blockSize));
        string absolute = System.IO.Path.IsPathRooted(path) ? path : System.IO.Path.Combine(Environment.CurrentDirectory, path);
        int fd = Libc.Open(absolute, Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            string why = errno == Libc.ENOENT ? "does not exist" : $"cannot be opened: {Libc.Describe(errno)}";
            throw new BackstoreException(Libc.ToBackstoreError(errno, writing: false), $"Squashfs image '{absolute}' {why}.", new Win32Exception(errno));
        }

        var handle = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            if (Libc.FStatX(handle, Libc.STATX_TYPE | Libc.STATX_SIZE, out Statx status) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                throw new BackstoreException(
                    Libc.ToBackstoreError(errno, writing: false),
                    $"Squashfs image '{absolute}': statx failed: {Libc.Describe(errno)}.",
                    new Win32Exception(errno));
            }

            if ((status.Mode & Libc.S_IFMT) != Libc.S_IFREG)
            {
                // A block device has no meaningful modification time to version the identity with.
                throw new BackstoreException(BackstoreError.InvalidArgument, $"Squashfs image '{absolute}' is not a regular file.");
            }

            long modified = File.GetLastWriteTimeUtc(handle).Ticks;
            return new SquashfsFileSource(handle, Libc.CanonicalPath(absolute) ?? absolute, (long)status.Size, modified, blockSize);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    public ValueTask ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        try
        {
            Read(offset, destination.Span);
            return ValueTask.CompletedTask;
        }
        catch (Exception ex)
        {
            return ValueTask.FromException(ex);
        }
    }

    public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> source, bool forceUnitAccess, CancellationToken cancellationToken = default) =>
        ValueTask.FromException(WriteProtected());

    public ValueTask FlushAsync(long offset, long length, CancellationToken cancellationToken = default) =>
        BackstoreChecks.FlushReadOnly(_disposed, this, offset, length, _length, cancellationToken);

    public ValueTask UnmapAsync(long offset, long length, CancellationToken cancellationToken = default) =>
        ValueTask.FromException(WriteProtected());

    public ValueTask<AllocationExtent> GetAllocationAsync(long offset, long maxLength, CancellationToken cancellationToken = default) =>
        BackstoreChecks.AllMapped(_disposed, this, offset, maxLength, _length, cancellationToken);

    public void Dispose()
    {
        _disposed = true;
        _handle.Dispose();
    }

    public override string ToString() => $"file:{Path}";

    private void Read(long offset, Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        BackstoreChecks.CheckRange(offset, destination.Length, _length);
        int done = 0;
        while (done < destination.Length)
        {
            int count;
            try
            {
                count = RandomAccess.Read(_handle, destination[done..], offset + done);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                int errno = ex is IOException { HResult: > 0 and < 4096 } io ? io.HResult : Libc.EIO;
                throw new BackstoreException(
                    Libc.ToBackstoreError(errno, writing: false),
                    $"The read of {destination.Length - done} bytes at offset {offset + done} in '{Path}' failed: {ex.Message}",
                    ex);
            }

            if (count == 0)
            {
                // End of file: the rounded-up tail of the last block (or a file truncated behind our back).
                destination[done..].Clear();
                return;
            }

            done += count;
        }
    }

    private BackstoreException WriteProtected() =>
        new(BackstoreError.WriteProtected, $"Squashfs image '{Path}' is read-only.");
}
