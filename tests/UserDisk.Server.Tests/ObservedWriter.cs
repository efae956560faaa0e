using System.Text;

namespace UserDisk.Server.Tests;

/// <summary>A thread-safe string writer that tests can wait on until some text has been written.</summary>
public sealed class ObservedWriter : TextWriter
{
    private readonly StringBuilder _text = new();
    private readonly Lock _lock = new();
    private readonly List<(string Marker, TaskCompletionSource Seen)> _waiters = [];

    public override Encoding Encoding => Encoding.UTF8;

    public string Text
    {
        get
        {
            lock (_lock)
            {
                return _text.ToString();
            }
        }
    }

    public override void Write(char value) => Write(value.ToString());

    public override void Write(string? value)
    {
        lock (_lock)
        {
            _text.Append(value);
            string text = _text.ToString();
            foreach ((string marker, TaskCompletionSource seen) in _waiters.Where(w => text.Contains(w.Marker, StringComparison.Ordinal)))
            {
                seen.TrySetResult();
            }
        }
    }

    public override Task WriteAsync(string? value)
    {
        Write(value);
        return Task.CompletedTask;
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task WaitForAsync(string marker)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            if (_text.ToString().Contains(marker, StringComparison.Ordinal))
            {
                return Task.CompletedTask;
            }

            _waiters.Add((marker, seen));
        }

        return seen.Task;
    }
}
