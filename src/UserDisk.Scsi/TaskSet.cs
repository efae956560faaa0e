namespace UserDisk.Scsi;

/// <summary>
/// Orders commands by task attribute (SAM-5 8.6): SIMPLE tasks run concurrently; an ORDERED task waits until every
/// older task has finished and holds back every newer one until it finishes; HEAD OF QUEUE runs at once.
/// </summary>
/// <remarks>
/// The common case (only SIMPLE tasks, nothing waiting) takes one uncontended lock and allocates nothing; a waiter
/// object is allocated only when ordering actually makes a command wait.
/// </remarks>
internal sealed class TaskSet
{
    private readonly Lock _lock = new();
    private readonly Queue<Waiter> _waiting = new();
    private int _running;
    private bool _orderedRunning;

    public int Running
    {
        get
        {
            lock (_lock)
            {
                return _running;
            }
        }
    }

    public ValueTask EnterAsync(TaskAttribute attribute, CancellationToken cancellationToken)
    {
        if (attribute == TaskAttribute.HeadOfQueue)
        {
            return default;
        }

        var ordered = attribute == TaskAttribute.Ordered;
        Waiter waiter;
        lock (_lock)
        {
            if (_waiting.Count == 0 && !_orderedRunning && (!ordered || _running == 0))
            {
                _running++;
                _orderedRunning = ordered;
                return default;
            }

            waiter = new Waiter(ordered);
            _waiting.Enqueue(waiter);
        }

        if (cancellationToken.CanBeCanceled)
        {
            waiter.Registration = cancellationToken.Register(static state => ((Waiter)state!).TryCancel(), waiter);
        }

        return new ValueTask(waiter.Completion.Task);
    }

    public void Exit(TaskAttribute attribute)
    {
        if (attribute == TaskAttribute.HeadOfQueue)
        {
            return;
        }

        lock (_lock)
        {
            _running--;
            if (attribute == TaskAttribute.Ordered)
            {
                _orderedRunning = false;
            }

            while (_waiting.TryPeek(out var next))
            {
                if (next.Cancelled)
                {
                    _waiting.Dequeue();
                    continue;
                }

                if (_orderedRunning || (next.Ordered && _running > 0))
                {
                    break;
                }

                _waiting.Dequeue();
                if (!next.TryStart())
                {
                    continue;
                }

                _running++;
                _orderedRunning = next.Ordered;
                if (next.Ordered)
                {
                    break;
                }
            }
        }
    }

    private sealed class Waiter(bool ordered)
    {
        private int _state; // 0 waiting, 1 started, 2 cancelled

        public bool Ordered { get; } = ordered;

        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public CancellationTokenRegistration Registration { get; set; }

        public bool Cancelled => Volatile.Read(ref _state) == 2;

        public bool TryStart()
        {
            if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
            {
                return false;
            }

            Registration.Dispose();
            Completion.TrySetResult();
            return true;
        }

        public void TryCancel()
        {
            if (Interlocked.CompareExchange(ref _state, 2, 0) == 0)
            {
                Completion.TrySetCanceled();
            }
        }
    }
}
