namespace UserDisk.Scsi;

/// <summary>
/// Serialises COMPARE AND WRITE against other writes to overlapping blocks (SBC-4 5.3: the compare and the write
/// are one atomic operation with respect to other commands). Writers hold a range shared; COMPARE AND WRITE holds
/// it exclusive. Reads take no lock.
/// </summary>
/// <remarks>
/// Held ranges live in a slot array with a free list, so acquiring allocates nothing once the array has grown to
/// the device's queue depth. A waiter object is allocated only when a writer must actually wait.
/// </remarks>
internal sealed class RangeLock
{
    private readonly Lock _lock = new();
    private readonly List<Waiter> _waiting = [];
    private Slot[] _slots = new Slot[64];
    private int _freeHead = -1;
    private int _used;
    private int _exclusiveHeldOrWaiting;

    /// <summary>Acquires [start, start+count) and returns a token for <see cref="Release"/>.</summary>
    public ValueTask<int> AcquireAsync(ulong start, ulong count, bool exclusive, CancellationToken cancellationToken)
    {
        var end = count == 0 ? start + 1 : start + count;
        Waiter waiter;
        lock (_lock)
        {
            if (exclusive)
            {
                _exclusiveHeldOrWaiting++;
            }

            if ((!exclusive && _exclusiveHeldOrWaiting == 0) || CanGrant(start, end, exclusive, _waiting.Count))
            {
                return new ValueTask<int>(Add(start, end, exclusive));
            }

            waiter = new Waiter(this, start, end, exclusive);
            _waiting.Add(waiter);
        }

        if (cancellationToken.CanBeCanceled)
        {
            waiter.Registration = cancellationToken.Register(static s => ((Waiter)s!).Owner.Cancel((Waiter)s!), waiter);
        }

        return new ValueTask<int>(waiter.Completion.Task);
    }

    public void Release(int token)
    {
        lock (_lock)
        {
            ref var slot = ref _slots[token];
            if (slot.Exclusive)
            {
                _exclusiveHeldOrWaiting--;
            }

            slot = new Slot { NextFree = _freeHead };
            _freeHead = token;

            for (var i = 0; i < _waiting.Count; i++)
            {
                var w = _waiting[i];
                if (CanGrant(w.Start, w.End, w.Exclusive, i))
                {
                    _waiting.RemoveAt(i);
                    i--;
                    w.Registration.Dispose();
                    w.Completion.TrySetResult(Add(w.Start, w.End, w.Exclusive));
                }
            }
        }
    }

    private void Cancel(Waiter waiter)
    {
        lock (_lock)
        {
            if (_waiting.Remove(waiter))
            {
                if (waiter.Exclusive)
                {
                    _exclusiveHeldOrWaiting--;
                }

                waiter.Completion.TrySetCanceled();
            }
        }
    }

    // A request is granted when it overlaps no conflicting held range and no conflicting request queued before it
    // (first come, first served, so a stream of writes cannot starve a COMPARE AND WRITE).
    private bool CanGrant(ulong start, ulong end, bool exclusive, int waitersAhead)
    {
        for (var i = 0; i < _used; i++)
        {
            ref var s = ref _slots[i];
            if (s.InUse && s.Start < end && start < s.End && (exclusive || s.Exclusive))
            {
                return false;
            }
        }

        for (var i = 0; i < waitersAhead; i++)
        {
            var w = _waiting[i];
            if (w.Start < end && start < w.End && (exclusive || w.Exclusive))
            {
                return false;
            }
        }

        return true;
    }

    private int Add(ulong start, ulong end, bool exclusive)
    {
        int index;
        if (_freeHead >= 0)
        {
            index = _freeHead;
            _freeHead = _slots[index].NextFree;
        }
        else
        {
            if (_used == _slots.Length)
            {
                Array.Resize(ref _slots, _slots.Length * 2);
            }

            index = _used++;
        }

        _slots[index] = new Slot { Start = start, End = end, Exclusive = exclusive, InUse = true, NextFree = -1 };
        return index;
    }

    private struct Slot
    {
        public ulong Start;
        public ulong End;
        public bool Exclusive;
        public bool InUse;
        public int NextFree;
    }

    private sealed class Waiter(RangeLock owner, ulong start, ulong end, bool exclusive)
    {
        public ulong Start { get; } = start;

        public ulong End { get; } = end;

        public bool Exclusive { get; } = exclusive;

        public RangeLock Owner { get; } = owner;

        public TaskCompletionSource<int> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public CancellationTokenRegistration Registration { get; set; }
    }
}
