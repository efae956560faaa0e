using System.Collections.Concurrent;
using UserDisk.Storage;

namespace UserDisk.Scsi.Tests;

/// <summary>
/// A real backstore with a probe between it and the engine: records every call, and lets a test fail, delay,
/// reorder or falsify calls, report a different size, or claim no unmap support. The one fake these tests need,
/// for what a real store cannot be made to do on demand.
/// </summary>
internal sealed class InstrumentedBackstore(IBackstore inner) : IBackstore
{
    private readonly ConcurrentQueue<BackstoreCall> _calls = new();
    private readonly SemaphoreSlim _observed = new(1, 1);

    public IBackstore Inner => inner;

    /// <summary>Overrides <see cref="SupportsUnmap"/> (false: a fully provisioned store).</summary>
    public bool? SupportsUnmapOverride { get; set; }

    /// <summary>Overrides <see cref="Length"/> (a store that grew or shrank).</summary>
    public long? LengthOverride { get; set; }

    /// <summary>Runs when a call arrives, before the inner store sees it: may throw, wait for a gate, or yield.</summary>
    public Func<BackstoreCall, CancellationToken, ValueTask>? Before { get; set; }

    /// <summary>Runs after the inner store finished a call.</summary>
    public Func<BackstoreCall, CancellationToken, ValueTask>? After { get; set; }

    /// <summary>May change what a read returns (a medium that does not hold what was written).</summary>
    public Action<BackstoreCall, Memory<byte>>? TamperRead { get; set; }

    /// <summary>
    /// Sees each read and write with its bytes in the order they took effect: while set, calls to the inner store
    /// are serialised so that the order observed is the order of effect.
    /// </summary>
    public Action<BackstoreCall, ReadOnlyMemory<byte>>? Observe { get; set; }

    public IReadOnlyCollection<BackstoreCall> Calls => _calls;

    public long Length => LengthOverride ?? inner.Length;

    public int BlockSize => inner.BlockSize;

    public bool IsReadOnly => inner.IsReadOnly;

    public BackstoreIdentity Identity => inner.Identity;

    public bool SupportsUnmap => SupportsUnmapOverride ?? inner.SupportsUnmap;

    public bool UnmappedReadsZero => inner.UnmappedReadsZero;

    public IReadOnlyList<BackstoreCall> CallsOf(BackstoreOperation operation) => [.. _calls.Where(c => c.Operation == operation)];

    public void ClearCalls() => _calls.Clear();

    public async ValueTask ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        var call = await ArriveAsync(new BackstoreCall(BackstoreOperation.Read, offset, destination.Length), cancellationToken);
        await ObservedAsync(call, destination, () => inner.ReadAsync(offset, destination, cancellationToken), cancellationToken);
        TamperRead?.Invoke(call, destination);
        await LeaveAsync(call, cancellationToken);
    }

    public async ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> source, bool forceUnitAccess, CancellationToken cancellationToken = default)
    {
        var call = await ArriveAsync(new BackstoreCall(BackstoreOperation.Write, offset, source.Length, forceUnitAccess), cancellationToken);
        await ObservedAsync(call, source, () => inner.WriteAsync(offset, source, forceUnitAccess, cancellationToken), cancellationToken);
        await LeaveAsync(call, cancellationToken);
    }

    public async ValueTask FlushAsync(long offset, long length, CancellationToken cancellationToken = default)
    {
        var call = await ArriveAsync(new BackstoreCall(BackstoreOperation.Flush, offset, length), cancellationToken);
        await inner.FlushAsync(offset, length, cancellationToken);
        await LeaveAsync(call, cancellationToken);
    }

    public async ValueTask UnmapAsync(long offset, long length, CancellationToken cancellationToken = default)
    {
        var call = await ArriveAsync(new BackstoreCall(BackstoreOperation.Unmap, offset, length), cancellationToken);
        await inner.UnmapAsync(offset, length, cancellationToken);
        await LeaveAsync(call, cancellationToken);
    }

    public async ValueTask<AllocationExtent> GetAllocationAsync(long offset, long maxLength, CancellationToken cancellationToken = default)
    {
        var call = await ArriveAsync(new BackstoreCall(BackstoreOperation.GetAllocation, offset, maxLength), cancellationToken);
        var extent = await inner.GetAllocationAsync(offset, maxLength, cancellationToken);
        await LeaveAsync(call, cancellationToken);
        return extent;
    }

    public void Dispose()
    {
        _observed.Dispose();
        inner.Dispose();
    }

    private async ValueTask<BackstoreCall> ArriveAsync(BackstoreCall call, CancellationToken cancellationToken)
    {
        _calls.Enqueue(call);
        if (Before is { } before)
        {
            await before(call, cancellationToken);
        }

        return call;
    }

    private async ValueTask LeaveAsync(BackstoreCall call, CancellationToken cancellationToken)
    {
        if (After is { } after)
        {
            await after(call, cancellationToken);
        }
    }

    private async ValueTask ObservedAsync(BackstoreCall call, ReadOnlyMemory<byte> data, Func<ValueTask> operation, CancellationToken cancellationToken)
    {
        if (Observe is not { } observe)
        {
            await operation();
            return;
        }

        await _observed.WaitAsync(cancellationToken);
        try
        {
            await operation();
            observe(call, data);
        }
        finally
        {
            _observed.Release();
        }
    }
}
