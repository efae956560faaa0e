namespace UserDisk.Storage;

/// <summary>
/// A byte-addressed store that a logical unit is built on. A backstore knows nothing about SCSI:
/// offsets and lengths are bytes, and the engine guarantees they are multiples of <see cref="BlockSize"/>
/// and inside <see cref="Length"/> before calling.
/// </summary>
/// <remarks>
/// Memory passed in is owned by the caller (a front end's pinned or native buffer) and is valid only until
/// the returned task completes. Implementations on the file and memory paths complete synchronously and
/// allocate nothing per call: page-cache I/O finishes in microseconds, and an async hop would cost more
/// than it saves (on Linux the runtime's own async file I/O is a thread-pool pread anyway).
/// Failures are thrown as <see cref="BackstoreException"/> with a <see cref="BackstoreError"/>.
/// </remarks>
public interface IBackstore : IDisposable
{
    /// <summary>Size in bytes; a multiple of <see cref="BlockSize"/>. May grow or shrink (capacity change).</summary>
    long Length { get; }

    /// <summary>
    /// Measures the backing object again and returns the (possibly new) <see cref="Length"/>: how an operator's
    /// resize reaches initiators as a capacity change. Stores whose size cannot change return <see cref="Length"/>.
    /// </summary>
    long RefreshLength() => Length;

    /// <summary>Logical block size in bytes (512 or 4096 usually).</summary>
    int BlockSize { get; }

    bool IsReadOnly { get; }

    /// <summary>Stable across restarts; serial numbers and designators are derived from it.</summary>
    BackstoreIdentity Identity { get; }

    /// <summary>True when <see cref="UnmapAsync"/> deallocates (thin provisioning).</summary>
    bool SupportsUnmap { get; }

    /// <summary>True when reading a deallocated range returns zeros (SBC-4 LBPRZ).</summary>
    bool UnmappedReadsZero { get; }

    /// <summary>Fills <paramref name="destination"/> with the bytes at <paramref name="offset"/>.</summary>
    ValueTask ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken = default);

    /// <summary>Writes <paramref name="source"/> at <paramref name="offset"/>; with <paramref name="forceUnitAccess"/>
    /// the data is on stable storage when the task completes.</summary>
    ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> source, bool forceUnitAccess, CancellationToken cancellationToken = default);

    /// <summary>Makes earlier writes in the range durable. A length of 0 means "to the end".</summary>
    ValueTask FlushAsync(long offset, long length, CancellationToken cancellationToken = default);

    /// <summary>Deallocates the range. Only called when <see cref="SupportsUnmap"/>.</summary>
    ValueTask UnmapAsync(long offset, long length, CancellationToken cancellationToken = default);

    /// <summary>
    /// Describes the extent starting at <paramref name="offset"/>: whether it is mapped (allocated) and how many
    /// bytes from <paramref name="offset"/> share that state (at most <paramref name="maxLength"/>).
    /// Backstores that cannot tell report the whole range as mapped.
    /// </summary>
    ValueTask<AllocationExtent> GetAllocationAsync(long offset, long maxLength, CancellationToken cancellationToken = default);
}
