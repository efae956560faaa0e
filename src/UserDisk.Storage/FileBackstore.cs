using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using UserDisk.Storage.Interop;

namespace UserDisk.Storage;

/// <summary>
/// A regular file or a block device, read and written with pread/pwrite (<see cref="RandomAccess"/>) on the
/// calling thread. Page-cache I/O completes in microseconds, so every operation completes synchronously and the
/// read/write paths allocate nothing.
/// </summary>
/// <remarks>
/// <para>Durability: <see cref="FlushAsync"/> is fdatasync(2) of the whole file: Linux has no per-range call that
/// also flushes the device's volatile cache (sync_file_range does not), and SYNCHRONIZE CACHE needs that.</para>
/// <para>Thin provisioning: on a regular file, unmap punches a hole (FALLOC_FL_PUNCH_HOLE) and allocation status
/// comes from lseek SEEK_DATA/SEEK_HOLE. Block devices report no unmap support; BLKDISCARD could provide it, but a
/// discard on a device does not promise zeros on read (LBPRZ), so it is left out until someone needs it.</para>
/// <para><see cref="Length"/> is measured at open and again by <see cref="RefreshLength"/>, which takes growth of the file or
/// block device (an operator's resize) and ignores shrinking, which would pull blocks from under a live initiator.</para>
/// <para>O_DIRECT: the kernel needs the buffer's address aligned, as well as the offset and length. scst_user's
/// buffers are page-aligned and go to the kernel as they are; the iSCSI front end's come from the array pool and are
/// not, so they are copied through an aligned bounce buffer (<see cref="BouncedIoCount"/> counts those I/Os).</para>
/// </remarks>
public sealed class FileBackstore : IBackstore
{
    private const int PageSize = 4096;

    // 1 MiB is the iSCSI target's largest burst (SessionParameters.TargetMaxBurstLength) and near the largest I/O a
    // Linux initiator sends by default, so most bounced commands still are one pread/pwrite, as from an aligned
    // buffer. Each chunk is a synchronous round trip to the device, and one large request lets the kernel split it
    // into bios the device serves in parallel, so smaller chunks would cost throughput, not just system calls.
    // A fresh buffer's pages are faulted in only as far as transfers reach: small I/O keeps little of it resident.
    internal const int BounceBufferSize = 1 << 20;

    // Bounced I/Os on one store at once: the iSCSI front end runs a command on its connection's loop, so this is
    // the number of connections busy on the LUN (one, or one per multipath path). More than that still works,
    // allocating and freeing a buffer each time. Kept buffers cost at most 4 MiB per store, and only on stores that
    // have seen an unaligned buffer.
    private const int BounceBufferSlots = 4;

    // 0600: a disk image holds an initiator's data, so a newly created one is readable by its owner only.
    private const uint NewFileMode = 0x180;

    private readonly SafeFileHandle _handle;
    private readonly string _path;
    private long _length;
    private readonly int _blockSize;
    private readonly bool _readOnly;
    private readonly bool _supportsUnmap;

    // With O_DIRECT, the boundary a buffer's address must sit on; 0 for buffered I/O.
    private readonly int _directMemoryAlignment;

    // With O_DIRECT, for callers whose buffers are not on that boundary; null for buffered I/O.
    private readonly AlignedBouncePool? _bouncePool;
    private long _bouncedIoCount;
    private volatile bool _disposed;

    private FileBackstore(
        SafeFileHandle handle,
        string path,
        long length,
        int blockSize,
        bool readOnly,
        bool isBlockDevice,
        bool supportsUnmap,
        int directMemoryAlignment,
        BackstoreIdentity identity)
    {
        _handle = handle;
        _path = path;
        _length = length;
        _blockSize = blockSize;
        _readOnly = readOnly;
        IsBlockDevice = isBlockDevice;
        _supportsUnmap = supportsUnmap;
        _directMemoryAlignment = directMemoryAlignment;
        if (directMemoryAlignment != 0)
        {
            _bouncePool = new AlignedBouncePool(BounceBufferSize, directMemoryAlignment, BounceBufferSlots);
        }

        Identity = identity;
    }

    public long Length => Volatile.Read(ref _length);

    public long RefreshLength()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        long size = IsBlockDevice ? (long)BlockDeviceSize(_handle, _path) : RandomAccess.GetLength(_handle);
        long length = size / _blockSize * _blockSize;
        long current = Volatile.Read(ref _length);
        while (length > current)
        {
            long seen = Interlocked.CompareExchange(ref _length, length, current);
            if (seen == current)
            {
                return length;
            }

            current = seen;
        }

        return current;
    }

    public int BlockSize => _blockSize;

    public bool IsReadOnly => _readOnly;

    public BackstoreIdentity Identity { get; }

    public bool SupportsUnmap => _supportsUnmap;

    /// <summary>
    /// True for regular files: a hole always reads as zeros, whether it was punched by unmap or never written
    /// (so GET LBA STATUS and LBPRZ agree). False for block devices, which report everything mapped anyway.
    /// </summary>
    public bool UnmappedReadsZero => !IsBlockDevice;

    /// <summary>The path that was opened (made absolute, otherwise as configured).</summary>
    public string Path => _path;

    public bool IsBlockDevice { get; }

    /// <summary>True when the file was opened with O_DIRECT.</summary>
    public bool IsDirectIo => _directMemoryAlignment != 0;

    /// <summary>
    /// Reads and writes copied through a bounce buffer because, with O_DIRECT, the caller's buffer was not aligned
    /// for the kernel: a front end that makes this grow pays a memory copy for each of its I/Os. Always 0 without
    /// O_DIRECT.
    /// </summary>
    public long BouncedIoCount => Interlocked.Read(ref _bouncedIoCount);

    /// <summary>
    /// Opens (and if asked, creates or extends) the file. Throws <see cref="ArgumentException"/> for inconsistent
    /// options and <see cref="BackstoreException"/> when the file cannot be used.
    /// </summary>
    public static FileBackstore Open(FileBackstoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ValidateOptions(options);

        int directFlag = 0;
        if (options.DirectIo)
        {
            directFlag = Libc.O_DIRECT;
            if (directFlag == 0)
            {
                throw new PlatformNotSupportedException(
                    $"DirectIo: the O_DIRECT flag is not known for {RuntimeInformation.ProcessArchitecture}.");
            }
        }

        // Relative to the current directory, but not normalised lexically as Path.GetFullPath would: "link/.." is
        // not "." when link is a symbolic link, and the kernel must resolve exactly what the operator wrote.
        string path = System.IO.Path.IsPathRooted(options.Path)
            ? options.Path
            : System.IO.Path.Combine(Environment.CurrentDirectory, options.Path);
        SafeFileHandle handle = OpenHandle(path, options, directFlag, out bool readOnly, out bool created);
        try
        {
            return FromHandle(handle, path, options, readOnly, created);
        }
        catch
        {
            handle.Dispose();
            if (created)
            {
                // Do not leave behind a file this call made but could not serve.
                File.Delete(path);
            }

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

    public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> source, bool forceUnitAccess, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        try
        {
            Write(offset, source.Span, forceUnitAccess);
            return ValueTask.CompletedTask;
        }
        catch (Exception ex)
        {
            return ValueTask.FromException(ex);
        }
    }

    public ValueTask FlushAsync(long offset, long length, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            BackstoreChecks.CheckFlushRange(offset, length, Length);
            if (!_readOnly)
            {
                // The whole file, whatever the range: see the remarks on the class.
                DataSync("flush");
            }

            return ValueTask.CompletedTask;
        }
        catch (Exception ex)
        {
            return ValueTask.FromException(ex);
        }
    }

    public ValueTask UnmapAsync(long offset, long length, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        try
        {
            Unmap(offset, length);
            return ValueTask.CompletedTask;
        }
        catch (Exception ex)
        {
            return ValueTask.FromException(ex);
        }
    }

    public ValueTask<AllocationExtent> GetAllocationAsync(long offset, long maxLength, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<AllocationExtent>(cancellationToken);
        }

        try
        {
            return ValueTask.FromResult(GetAllocation(offset, maxLength));
        }
        catch (Exception ex)
        {
            return ValueTask.FromException<AllocationExtent>(ex);
        }
    }

    public void Dispose()
    {
        _disposed = true;
        _handle.Dispose();

        // Bounce buffers of I/Os still in flight are not in the pool: they are freed when those I/Os return them.
        _bouncePool?.Dispose();
    }

    public override string ToString() => $"file:{_path}";

    private void Read(long offset, Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        BackstoreChecks.CheckRange(offset, destination.Length, Length);
        if (destination.IsEmpty)
        {
            return;
        }

        if (_directMemoryAlignment == 0)
        {
            ReadAt(offset, destination);
        }
        else
        {
            ReadDirect(offset, destination);
        }
    }

    private unsafe void ReadDirect(long offset, Span<byte> destination)
    {
        CheckDirectIoRange(destination.Length, offset);

        // Pinned for the whole call, so the address checked is the address the kernel sees.
        fixed (byte* address = destination)
        {
            if (IsDirectIoAligned(address))
            {
                ReadAt(offset, destination);
                return;
            }
        }

        AlignedBouncePool pool = _bouncePool!;
        Interlocked.Increment(ref _bouncedIoCount);
        byte* bounce = pool.Rent();
        try
        {
            for (int done = 0; done < destination.Length;)
            {
                var chunk = new Span<byte>(bounce, Math.Min(pool.BufferSize, destination.Length - done));

                // ReadAt zero-fills past the end of the file, so the copy carries the same zeros as a direct read.
                ReadAt(offset + done, chunk);
                chunk.CopyTo(destination[done..]);
                done += chunk.Length;
            }
        }
        finally
        {
            pool.Return(bounce);
        }
    }

    private void ReadAt(long offset, Span<byte> destination)
    {
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
                throw Translate(ex, "read", offset + done, destination.Length - done, writing: false);
            }

            if (count == 0)
            {
                // End of file: the file is shorter than Length (truncated behind our back, or a block device
                // that shrank). What lies beyond reads as zeros, as a hole would.
                destination[done..].Clear();
                return;
            }

            done += count;
        }
    }

    private void Write(long offset, ReadOnlySpan<byte> source, bool forceUnitAccess)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_readOnly)
        {
            BackstoreChecks.ThrowWriteProtected(_path);
        }

        BackstoreChecks.CheckRange(offset, source.Length, Length);
        if (!source.IsEmpty)
        {
            if (_directMemoryAlignment == 0)
            {
                WriteAt(offset, source);
            }
            else
            {
                WriteDirect(offset, source);
            }
        }

        if (forceUnitAccess)
        {
            // FUA is pwrite + fdatasync rather than a second descriptor opened O_DSYNC: FUA writes are rare
            // (a journal commit now and then), and O_DSYNC on every write would make the common path pay for them.
            DataSync("FUA write");
        }
    }

    private unsafe void WriteDirect(long offset, ReadOnlySpan<byte> source)
    {
        CheckDirectIoRange(source.Length, offset);

        // Pinned for the whole call, so the address checked is the address the kernel sees.
        fixed (byte* address = source)
        {
            if (IsDirectIoAligned(address))
            {
                WriteAt(offset, source);
                return;
            }
        }

        AlignedBouncePool pool = _bouncePool!;
        Interlocked.Increment(ref _bouncedIoCount);
        byte* bounce = pool.Rent();
        try
        {
            for (int done = 0; done < source.Length;)
            {
                var chunk = new Span<byte>(bounce, Math.Min(pool.BufferSize, source.Length - done));
                source.Slice(done, chunk.Length).CopyTo(chunk);
                WriteAt(offset + done, chunk);
                done += chunk.Length;
            }
        }
        finally
        {
            pool.Return(bounce);
        }
    }

    private void WriteAt(long offset, ReadOnlySpan<byte> source)
    {
        try
        {
            // RandomAccess.Write loops over short writes itself.
            RandomAccess.Write(_handle, source, offset);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw Translate(ex, "write", offset, source.Length, writing: true);
        }
    }

    private void Unmap(long offset, long length)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_readOnly)
        {
            BackstoreChecks.ThrowWriteProtected(_path);
        }

        if (!_supportsUnmap)
        {
            throw new BackstoreException(BackstoreError.InvalidArgument, $"'{_path}' does not support unmap.");
        }

        BackstoreChecks.CheckRange(offset, length, Length);
        if (length == 0)
        {
            return;
        }

        // KEEP_SIZE: a hole at the end must not shorten the file. A partial file-system block is zeroed instead.
        if (Libc.FAllocate(_handle, Libc.FALLOC_FL_PUNCH_HOLE | Libc.FALLOC_FL_KEEP_SIZE, offset, length) != 0)
        {
            throw Failure(Marshal.GetLastPInvokeError(), $"punching a hole of {length} bytes at offset {offset}", writing: true);
        }
    }

    private AllocationExtent GetAllocation(long offset, long maxLength)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (maxLength <= 0)
        {
            throw new BackstoreException(BackstoreError.InvalidArgument, $"maxLength {maxLength} must be positive.");
        }

        BackstoreChecks.CheckRange(offset, 1, Length);
        long end = offset + Math.Min(maxLength, _length - offset);
        if (IsBlockDevice)
        {
            return new AllocationExtent(offset, end - offset, IsMapped: true);
        }

        // Extents are reported in whole blocks: a block is mapped when any byte of it is (file-system blocks
        // can be smaller than the logical block size).
        long data = Libc.LSeek(_handle, offset, Libc.SEEK_DATA);
        if (data < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno == Libc.ENXIO)
            {
                // No data at or after offset: a hole to the end of the file (and beyond it, up to Length).
                return new AllocationExtent(offset, end - offset, IsMapped: false);
            }

            if (errno is Libc.EINVAL or Libc.EOPNOTSUPP)
            {
                // A file system that cannot tell: "backstores that cannot tell report the whole range as mapped".
                return new AllocationExtent(offset, end - offset, IsMapped: true);
            }

            throw Failure(errno, $"lseek SEEK_DATA at offset {offset}", writing: false);
        }

        long holeEnd = data / _blockSize * _blockSize;
        if (holeEnd > offset)
        {
            return new AllocationExtent(offset, Math.Min(holeEnd, end) - offset, IsMapped: false);
        }

        long hole = Libc.LSeek(_handle, Math.Max(offset, data), Libc.SEEK_HOLE);
        if (hole < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno != Libc.ENXIO)
            {
                throw Failure(errno, $"lseek SEEK_HOLE at offset {data}", writing: false);
            }

            // The file shrank between the two calls: treat the rest as mapped.
            hole = end;
        }

        long mappedEnd = (hole + _blockSize - 1) / _blockSize * _blockSize;
        return new AllocationExtent(offset, Math.Min(mappedEnd, end) - offset, IsMapped: true);
    }

    private void DataSync(string what)
    {
        if (Libc.FDataSync(_handle) != 0)
        {
            throw Failure(Marshal.GetLastPInvokeError(), what + " (fdatasync)", writing: true);
        }
    }

    private unsafe bool IsDirectIoAligned(byte* address) =>
        ((nuint)address & (nuint)(_directMemoryAlignment - 1)) == 0;

    private void CheckDirectIoRange(int length, long offset)
    {
        // Checked here so that the caller gets a clear message instead of the kernel's bare EINVAL. Unlike the
        // buffer's address, these cannot be bounced around: they are the blocks on disk (and the engine only
        // sends whole blocks).
        if (length % _blockSize != 0)
        {
            ThrowMisaligned($"the buffer length {length} is not a multiple of the block size {_blockSize}");
        }

        if (offset % _blockSize != 0)
        {
            ThrowMisaligned($"the offset {offset} is not a multiple of the block size {_blockSize}");
        }
    }

    [DoesNotReturn]
    private void ThrowMisaligned(string why) =>
        throw new BackstoreException(BackstoreError.InvalidArgument, $"O_DIRECT I/O on '{_path}' refused: {why}.");

    private BackstoreException Translate(Exception ex, string operation, long offset, int length, bool writing)
    {
        // On Unix the runtime reports an errno as IOException.HResult (EACCES/EPERM/EBADF become
        // UnauthorizedAccessException); anything else is a medium error.
        int errno = ex switch
        {
            UnauthorizedAccessException => Libc.EACCES,
            IOException { HResult: > 0 and < 4096 } io => io.HResult,
            _ => Libc.EIO,
        };
        string hint = errno == Libc.EINVAL && IsDirectIo
            ? " (O_DIRECT: the device may need a larger block size)"
            : string.Empty;
        return new BackstoreException(
            Libc.ToBackstoreError(errno, writing),
            $"The {operation} of {length} bytes at offset {offset} in '{_path}' failed: {ex.Message}{hint}",
            ex);
    }

    private BackstoreException Failure(int errno, string what, bool writing) =>
        Failure(errno, what, _path, writing);

    private static BackstoreException Failure(int errno, string what, string path, bool writing) =>
        new(Libc.ToBackstoreError(errno, writing), $"'{path}': {what} failed: {Libc.Describe(errno)}.", new Win32Exception(errno));

    private static void ValidateOptions(FileBackstoreOptions options)
    {
        if (string.IsNullOrEmpty(options.Path))
        {
            throw new ArgumentException("Path must name a file or block device.", nameof(options));
        }

        BackstoreChecks.ValidateBlockSize(options.BlockSize, nameof(FileBackstoreOptions.BlockSize));
        if (options.Size is long size)
        {
            BackstoreChecks.ValidateLength(size, options.BlockSize, nameof(FileBackstoreOptions.Size));
        }

        if (options.Create && options.Size is null)
        {
            throw new ArgumentException("Create needs a Size to create or extend the file to.", nameof(options));
        }

        if (options.Create && options.ReadOnly)
        {
            throw new ArgumentException("Create and ReadOnly cannot both be set: creating or extending writes.", nameof(options));
        }

        if (!OperatingSystem.IsLinux() || !Environment.Is64BitProcess)
        {
            throw new PlatformNotSupportedException("FileBackstore needs 64-bit Linux.");
        }
    }

    private static SafeFileHandle OpenHandle(string path, FileBackstoreOptions options, int directFlag, out bool readOnly, out bool created)
    {
        readOnly = options.ReadOnly;
        created = false;
        int flags = Libc.O_CLOEXEC | directFlag;
        int fd = Libc.Open(path, flags | (readOnly ? Libc.O_RDONLY : Libc.O_RDWR), 0);
        int errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;

        if (fd < 0 && errno == Libc.ENOENT && options.Size is not null && !readOnly)
        {
            // O_EXCL so that "created" is true only when this call made the file.
            fd = Libc.Open(path, flags | Libc.O_RDWR | Libc.O_CREAT | Libc.O_EXCL, NewFileMode);
            errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
            created = fd >= 0;
        }
        else if (fd < 0 && !readOnly && errno is Libc.EACCES or Libc.EPERM or Libc.EROFS)
        {
            // Not writable (permissions, an immutable file, a read-only mount): serve it read-only.
            fd = Libc.Open(path, flags | Libc.O_RDONLY, 0);
            errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
            readOnly = fd >= 0;
        }

        if (fd >= 0)
        {
            return new SafeFileHandle(fd, ownsHandle: true);
        }

        if (errno == Libc.ENOENT)
        {
            string why = options.Size is null ? "does not exist (give a Size to create it)"
                : readOnly ? "does not exist (a read-only backstore is never created)"
                : "cannot be created: its directory does not exist";
            throw new BackstoreException(BackstoreError.NotReady, $"'{path}' {why}.", new Win32Exception(errno));
        }

        if (errno == Libc.EINVAL && directFlag != 0)
        {
            throw new BackstoreException(
                BackstoreError.InvalidArgument,
                $"'{path}' cannot be opened with O_DIRECT: its file system refuses direct I/O ({Libc.Describe(errno)}). Turn DirectIo off.",
                new Win32Exception(errno));
        }

        throw Failure(errno, "open", path, writing: !readOnly);
    }

    private static FileBackstore FromHandle(SafeFileHandle handle, string path, FileBackstoreOptions options, bool readOnly, bool created)
    {
        uint mask = Libc.STATX_TYPE | Libc.STATX_SIZE | (options.DirectIo ? Libc.STATX_DIOALIGN : 0);
        if (Libc.FStatX(handle, mask, out Statx status) != 0)
        {
            throw Failure(Marshal.GetLastPInvokeError(), "statx", path, writing: false);
        }

        int type = status.Mode & Libc.S_IFMT;
        bool isBlockDevice = type == Libc.S_IFBLK;
        if (type != Libc.S_IFREG && !isBlockDevice)
        {
            throw new BackstoreException(BackstoreError.InvalidArgument, $"'{path}' is neither a regular file nor a block device.");
        }

        int blockSize = options.BlockSize;
        long size;
        int deviceUnit = 0;
        if (isBlockDevice)
        {
            if (options.Create)
            {
                throw new BackstoreException(BackstoreError.InvalidArgument, $"'{path}' is a block device: Create cannot resize it.");
            }

            size = (long)BlockDeviceSize(handle, path);
            deviceUnit = LogicalSectorSize(handle, path);
        }
        else
        {
            size = (long)status.Size;
            if (options.Size is long wanted && (created || options.Create))
            {
                size = Extend(handle, path, size, wanted, readOnly);
            }

            if ((status.Mask & Libc.STATX_DIOALIGN) != 0)
            {
                deviceUnit = (int)status.DioOffsetAlign;
            }
        }

        long length = size / blockSize * blockSize;
        if (length == 0)
        {
            throw new BackstoreException(
                BackstoreError.InvalidArgument,
                $"'{path}' is {size} bytes long, less than one {blockSize}-byte block.");
        }

        int directMemoryAlignment = 0;
        if (options.DirectIo)
        {
            // With O_DIRECT every I/O must be whole units of the device: a block smaller than that cannot work.
            if (deviceUnit > blockSize)
            {
                throw new BackstoreException(
                    BackstoreError.InvalidArgument,
                    $"'{path}' needs O_DIRECT I/O in units of {deviceUnit} bytes; BlockSize {blockSize} is smaller. Use a larger BlockSize or turn DirectIo off.");
            }

            // Page alignment satisfies every device and file system (the kernel asks at most for the logical
            // sector size, stx_dio_mem_align). A buffer not on it is bounced (see the remarks on the class); asking
            // for less would save no copies: scst_user's buffers are page-aligned, and the iSCSI front end's pooled
            // arrays are aligned to 8 bytes only.
            directMemoryAlignment = Math.Max(PageSize, blockSize);
        }

        // Probe punch-hole support once, at the old end of file so that no byte of the file is touched
        // (ext4 and XFS return success at once for a hole at or beyond EOF; unsupported file systems EOPNOTSUPP).
        bool supportsUnmap = !isBlockDevice && !readOnly
            && Libc.FAllocate(handle, Libc.FALLOC_FL_PUNCH_HOLE | Libc.FALLOC_FL_KEEP_SIZE, size, blockSize) == 0;

        return new FileBackstore(
            handle,
            path,
            length,
            blockSize,
            readOnly,
            isBlockDevice,
            supportsUnmap,
            directMemoryAlignment,
            StableIdentity(path, isBlockDevice));
    }

    private static long Extend(SafeFileHandle handle, string path, long size, long wanted, bool readOnly)
    {
        if (size > wanted)
        {
            throw new BackstoreException(
                BackstoreError.InvalidArgument,
                $"'{path}' is {size} bytes long, more than the requested Size {wanted}; refusing to shrink it.");
        }

        if (size == wanted)
        {
            return size;
        }

        if (readOnly)
        {
            throw new BackstoreException(
                BackstoreError.WriteProtected,
                $"'{path}' is {size} bytes long and must be extended to {wanted}, but it cannot be opened for writing.");
        }

        try
        {
            // ftruncate: the new range is a hole, so the file stays sparse.
            RandomAccess.SetLength(handle, wanted);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            int errno = ex is IOException { HResult: > 0 and < 4096 } io ? io.HResult : Libc.EIO;
            throw new BackstoreException(
                Libc.ToBackstoreError(errno, writing: true),
                $"Extending '{path}' to {wanted} bytes failed: {ex.Message}",
                ex);
        }

        return wanted;
    }

    private static unsafe ulong BlockDeviceSize(SafeFileHandle handle, string path)
    {
        ulong bytes;
        if (Libc.IoctlUInt64(handle, Libc.BLKGETSIZE64, &bytes) != 0)
        {
            throw Failure(Marshal.GetLastPInvokeError(), "ioctl BLKGETSIZE64", path, writing: false);
        }

        return bytes;
    }

    private static unsafe int LogicalSectorSize(SafeFileHandle handle, string path)
    {
        int bytes;
        if (Libc.IoctlInt32(handle, Libc.BLKSSZGET, &bytes) != 0)
        {
            throw Failure(Marshal.GetLastPInvokeError(), "ioctl BLKSSZGET", path, writing: false);
        }

        return bytes;
    }

    /// <summary>
    /// The identity is derived from the path, because that is what an operator configures and what stays the
    /// same across restarts. A regular file's path is canonicalised with realpath(3), so two spellings or symbolic
    /// links to the same file give the same disk, and re-pointing a symbolic link gives a new disk. A block device
    /// keeps the path as configured: /dev/disk/by-id/... links are stable names, their /dev/sdX targets are not.
    /// Device and inode numbers were not used: device numbers can change across reboots, and restoring an image
    /// from a backup (a new inode) would make it a different disk to multipath.
    /// </summary>
    private static BackstoreIdentity StableIdentity(string path, bool isBlockDevice)
    {
        string stable = isBlockDevice ? path : Libc.CanonicalPath(path) ?? path;
        return BackstoreIdentity.FromString("file:" + stable);
    }
}
