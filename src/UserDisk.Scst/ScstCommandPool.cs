namespace UserDisk.Scst;

/// <summary>
/// The device's <see cref="ScstCommand"/>s. A plain stack under a lock: commands are rented on one worker and may be
/// returned on another (a slow backstore's completion), which makes per-thread pools drift and grow; two workers
/// contend on this lock for a few nanoseconds per command, and nothing is allocated once the stack is deep enough.
/// </summary>
internal sealed class ScstCommandPool(ScstUserDevice device) : IDisposable
{
    private readonly Lock _lock = new();
    private ScstCommand[] _items = new ScstCommand[256];
    private int _count;

    public ScstCommand Rent()
    {
        lock (_lock)
        {
            if (_count > 0)
            {
                var command = _items[--_count];
                _items[_count] = null!;
                return command;
            }
        }

        return new ScstCommand(device);
    }

    public void Return(ScstCommand command)
    {
        lock (_lock)
        {
            if (_count == _items.Length)
            {
                Array.Resize(ref _items, _items.Length * 2);
            }

            _items[_count++] = command;
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            for (int i = 0; i < _count; i++)
            {
                _items[i].Dispose();
            }

            _count = 0;
        }
    }
}
