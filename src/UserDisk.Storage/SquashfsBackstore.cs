using System.Globalization;

namespace UserDisk.Storage;

/// <summary>
/// A squashfs image served read-only as a disk: a decorator over the store that holds the image's bytes (a file, an
/// S3 object), which checks the superblock once at open and presents the object rounded up to whole blocks.
/// </summary>
/// <remarks>
/// <para>The initiator's kernel mounts the disk (<c>mount -t squashfs /dev/sdX</c>), so nothing here decompresses:
/// the superblock is parsed only to refuse, at open and with the field named, an object no kernel could mount
/// (wrong magic or version, an unknown compressor, a truncated image), instead of letting an initiator discover it
/// as an I/O error at mount time.</para>
/// <para>Layout of the served disk: [0, <see cref="ObjectLength"/>) are the object's bytes and
/// [<see cref="ObjectLength"/>, <see cref="Length"/>) are zeros, a disk being whole blocks while an image made with
/// <c>mksquashfs -nopad</c> need not be. The inner store's own length may be the object's length rounded down or up
/// to its block size; only <see cref="SquashfsSuperblock.BytesUsed"/> must lie within it, since what follows is
/// padding that no reader looks at and that is served as zeros when the inner store does not reach it.</para>
/// <para>Reads wholly inside the inner store's image bytes go straight to it (same task, no copy, no allocation);
/// only the read that covers the end of the object takes the path that zero-fills.</para>
/// </remarks>
public sealed class SquashfsBackstore : IBackstore
{
    // Read at open: the superblock is 96 bytes, but a whole page is one aligned read for any inner block size, and
    // lets a foreign format whose signature lies further in (ext4 at 1080, EROFS at 1024) be named in the error.
    private const int HeaderReadSize = 4096;

    private readonly IBackstore _inner;
    private readonly long _length;

    // Bytes read from the inner store: min(its length at open, Length). Beyond it the disk reads as zeros.
    private readonly long _innerEnd;

    // min(ObjectLength, _innerEnd): reads ending at or before it are passed straight to the inner store.
    private readonly long _dataEnd;
    private readonly int _blockSize;
    private readonly string _location;
    private volatile bool _disposed;

    private SquashfsBackstore(
        IBackstore inner,
        SquashfsSuperblock superblock,
        long objectLength,
        string location,
        string versionTag,
        int blockSize)
    {
        _inner = inner;
        Superblock = superblock;
        ObjectLength = objectLength;
        _location = location;
        _blockSize = blockSize;
        _length = (objectLength + blockSize - 1) / blockSize * blockSize;
        _innerEnd = Math.Min(inner.Length, _length);
        _dataEnd = Math.Min(objectLength, _innerEnd);

        // Content-addressed: the location alone would give a rebuilt image the old disk's identity, and an
        // initiator (multipath, a page cache keyed on the serial number) would mix the two images' blocks.
        Identity = BackstoreIdentity.FromString($"squashfs:{location}@{versionTag}");
    }

    /// <summary>The validated superblock.</summary>
    public SquashfsSuperblock Superblock { get; }

    /// <summary>The image object's length in bytes (not rounded).</summary>
    public long ObjectLength { get; }

    /// <summary>The store holding the image's bytes; disposed with this one.</summary>
    public IBackstore Inner => _inner;

    /// <summary>Where the image came from (a canonical path or an S3 URI), as given at open.</summary>
    public string Location => _location;

    /// <summary><see cref="ObjectLength"/> rounded up to <see cref="BlockSize"/>.</summary>
    public long Length => _length;

    public int BlockSize => _blockSize;

    public bool IsReadOnly => true;

    public BackstoreIdentity Identity { get; }

    public bool SupportsUnmap => false;

    public bool UnmappedReadsZero => false;

    /// <summary>
    /// Reads the superblock from <paramref name="inner"/>, validates it and wraps the store. On failure the caller
    /// still owns <paramref name="inner"/>; on success the returned store owns it.
    /// </summary>
    /// <param name="inner">The image's bytes from offset 0. Its length may be <paramref name="objectLength"/>
    /// rounded down or up to its block size, but must cover <see cref="SquashfsSuperblock.BytesUsed"/>. Its block
    /// size must divide <paramref name="blockSize"/>, so that every read passed on is whole blocks of it.</param>
    /// <param name="objectLength">The object's exact length (file size, S3 Content-Length).</param>
    /// <param name="location">Names the image in messages and in the identity (a canonical path, an S3 URI).</param>
    /// <param name="versionTag">What changes when the image's content does: the S3 ETag, or "size:mtime" of a file.</param>
    /// <param name="blockSize">The disk's logical block size: 512, 1024, 2048 or 4096.</param>
    /// <exception cref="SquashfsFormatException">The superblock is invalid or the image is truncated.</exception>
    public static async Task<SquashfsBackstore> OpenAsync(
        IBackstore inner,
        long objectLength,
        string location,
        string versionTag,
        int blockSize = 512,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentException.ThrowIfNullOrEmpty(location);
        ArgumentException.ThrowIfNullOrEmpty(versionTag);
        BackstoreChecks.ValidateBlockSize(blockSize, nameof(blockSize));
        ArgumentOutOfRangeException.ThrowIfNegative(objectLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(objectLength, long.MaxValue - blockSize);
        if (inner.BlockSize <= 0 || blockSize % inner.BlockSize != 0)
        {
            throw new ArgumentException(
                $"The inner store's block size {inner.BlockSize} must divide the squashfs disk's block size {blockSize}.",
                nameof(inner));
        }

        long innerLength = inner.Length;
        var header = new byte[HeaderReadSize];
        int headerLength = (int)Math.Min(HeaderReadSize, innerLength);
        if (headerLength > 0)
        {
            await inner.ReadAsync(0, header.AsMemory(0, headerLength), cancellationToken).ConfigureAwait(false);
        }

        // Bytes past the object's end (an inner store that rounds up) are not the object's, so they are not parsed.
        int known = (int)Math.Min(headerLength, objectLength);
        SquashfsSuperblock superblock = SquashfsSuperblock.Parse(header.AsSpan(0, known), objectLength, location);
        if (innerLength < superblock.BytesUsed)
        {
            throw new BackstoreException(
                BackstoreError.InvalidArgument,
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"Squashfs image '{location}': the store {inner} holds only {innerLength} of the object's {objectLength} bytes, " +
                    $"but the file system uses {superblock.BytesUsed}: its end would be lost. A store that rounds the object's " +
                    $"length down to whole blocks cannot serve an image whose size is not a multiple of the block size; use one that rounds up."));
        }

        return new SquashfsBackstore(inner, superblock, objectLength, location, versionTag, blockSize);
    }

    /// <summary>
    /// Opens a squashfs image file read-only. The location is the file's canonical path and the version tag its size
    /// and modification time, so a rebuilt image is a new disk to initiators and an untouched one keeps its identity.
    /// </summary>
    /// <exception cref="SquashfsFormatException">The file is not a valid squashfs 4.0 image.</exception>
    /// <exception cref="BackstoreException">The file cannot be opened (missing: <see cref="BackstoreError.NotReady"/>).</exception>
    public static async Task<SquashfsBackstore> OpenFileAsync(string path, int blockSize = 512, CancellationToken cancellationToken = default)
    {
        SquashfsFileSource source = SquashfsFileSource.Open(path, blockSize);
        try
        {
            string versionTag = string.Create(CultureInfo.InvariantCulture, $"{source.FileLength}:{source.ModifiedTicks}");
            return await OpenAsync(source, source.FileLength, source.Path, versionTag, blockSize, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            source.Dispose();
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
            ObjectDisposedException.ThrowIf(_disposed, this);
            BackstoreChecks.CheckRange(offset, destination.Length, _length);
        }
        catch (Exception ex)
        {
            return ValueTask.FromException(ex);
        }

        // The common case: the inner store holds every byte asked for. Written so that nothing can overflow.
        if (offset <= _dataEnd - destination.Length)
        {
            return _inner.ReadAsync(offset, destination, cancellationToken);
        }

        return ReadEnd(offset, destination, cancellationToken);
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
        _inner.Dispose();
    }

    public override string ToString() => $"squashfs:{_location}";

    /// <summary>A read that reaches past what the inner store holds for the object: read what exists, zero the rest.</summary>
    private ValueTask ReadEnd(long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        // From the inner store up to its end (whole blocks of it, so an inner store with alignment rules is happy);
        // of those bytes only the ones before ObjectLength are the object's: an inner store that rounds up may hold
        // anything after them.
        int fromInner = (int)Math.Clamp(_innerEnd - offset, 0, destination.Length);
        int real = (int)Math.Clamp(ObjectLength - offset, 0, fromInner);
        ValueTask read = fromInner > 0 ? _inner.ReadAsync(offset, destination[..fromInner], cancellationToken) : ValueTask.CompletedTask;
        if (read.IsCompletedSuccessfully)
        {
            read.GetAwaiter().GetResult();
            destination.Span[real..].Clear();
            return ValueTask.CompletedTask;
        }

        return AwaitThenClear(read, destination[real..]);
    }

    private static async ValueTask AwaitThenClear(ValueTask read, Memory<byte> zeros)
    {
        await read.ConfigureAwait(false);
        zeros.Span.Clear();
    }

    private BackstoreException WriteProtected() =>
        new(BackstoreError.WriteProtected, $"Squashfs image '{_location}' is read-only.");
}
