namespace UserDisk.Scsi.Tests;

/// <summary>
/// Task attributes (SAM-5 8.6): SIMPLE tasks run together; an ORDERED task waits for every older task and holds
/// back every newer one; HEAD OF QUEUE runs at once. Reads of gated blocks wait in the backstore until the test
/// opens their gate, so what runs when is decided by the test, not by timing.
/// </summary>
public sealed class TaskSetTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Ordered_command_waits_for_earlier_simple_ones_and_later_simple_ones_wait_for_it()
    {
        using var t = TestUnit.Instrumented();
        var gates = new Gates(t.Probe);

        var first = Read(t, lba: 0, TaskAttribute.Simple);
        var ordered = Read(t, lba: 1, TaskAttribute.Ordered);
        var later = Tur(t, TaskAttribute.Simple);

        Assert.False(first.IsCompleted);
        Assert.False(ordered.IsCompleted);
        Assert.False(later.IsCompleted);
        Assert.Equal([0L], gates.Arrived);              // the ORDERED read has not started
        Assert.Equal(1, t.Unit.RunningCommands);

        gates.Open(0);
        Expect.Good(await first.WaitAsync(Timeout, TestContext.Current.CancellationToken));
        await gates.WaitForArrivalAsync(1);
        Assert.False(later.IsCompleted);                // held back while the ORDERED read runs

        gates.Open(1);
        Expect.Good(await ordered.WaitAsync(Timeout, TestContext.Current.CancellationToken));
        Expect.Good(await later.WaitAsync(Timeout, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Simple_commands_run_concurrently()
    {
        using var t = TestUnit.Instrumented();
        var gates = new Gates(t.Probe);

        var a = Read(t, lba: 0, TaskAttribute.Simple);
        var b = Read(t, lba: 1, TaskAttribute.Simple);

        Assert.Equal([0L, 1L], gates.Arrived);
        Assert.Equal(2, t.Unit.RunningCommands);
        gates.Open(1);
        Expect.Good(await b.WaitAsync(Timeout, TestContext.Current.CancellationToken));
        Assert.False(a.IsCompleted);
        gates.Open(0);
        Expect.Good(await a.WaitAsync(Timeout, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Head_of_queue_runs_at_once_past_waiting_and_running_commands()
    {
        using var t = TestUnit.Instrumented();
        var gates = new Gates(t.Probe);
        var running = Read(t, lba: 0, TaskAttribute.Simple);
        var ordered = Tur(t, TaskAttribute.Ordered);

        var head = Tur(t, TaskAttribute.HeadOfQueue);

        Assert.True(head.IsCompletedSuccessfully);
        Expect.Good(await head);
        Assert.False(ordered.IsCompleted);
        gates.Open(0);
        Expect.Good(await running.WaitAsync(Timeout, TestContext.Current.CancellationToken));
        Expect.Good(await ordered.WaitAsync(Timeout, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Ordered_command_with_nothing_running_runs_at_once()
    {
        using var t = TestUnit.Memory();

        var ordered = Tur(t, TaskAttribute.Ordered);

        Assert.True(ordered.IsCompletedSuccessfully);
        Expect.Good(await ordered);
    }

    [Fact]
    public async Task Command_cancelled_while_waiting_ends_task_aborted_and_the_queue_moves_on()
    {
        using var t = TestUnit.Instrumented();
        var gates = new Gates(t.Probe);
        using var cancel = new CancellationTokenSource();
        var running = Read(t, lba: 0, TaskAttribute.Simple);
        var ordered = t.RunAsync(Cdb.TestUnitReady(), DataDirection.None, [], 0, null, TaskAttribute.Ordered, cancel.Token).AsTask();
        var later = Tur(t, TaskAttribute.Simple);

        await cancel.CancelAsync();

        var aborted = await ordered.WaitAsync(Timeout, TestContext.Current.CancellationToken);
        Assert.Equal(ScsiStatus.TaskAborted, aborted.Status);
        Assert.Empty(aborted.Sense);
        gates.Open(0);
        Expect.Good(await running.WaitAsync(Timeout, TestContext.Current.CancellationToken));
        Expect.Good(await later.WaitAsync(Timeout, TestContext.Current.CancellationToken));
        Expect.Good(await Tur(t, TaskAttribute.Ordered).WaitAsync(Timeout, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Command_cancelled_while_in_the_backstore_ends_task_aborted()
    {
        using var t = TestUnit.Instrumented();
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        t.Probe.Before = async (call, token) =>
        {
            arrived.TrySetResult();
            await Task.Delay(System.Threading.Timeout.Infinite, token);
        };
        using var cancel = new CancellationTokenSource();
        var read = t.RunAsync(Cdb.Read10(0, 1), DataDirection.Read, new byte[512], 512, null, TaskAttribute.Simple, cancel.Token).AsTask();
        await arrived.Task.WaitAsync(Timeout, TestContext.Current.CancellationToken);

        await cancel.CancelAsync();

        var result = await read.WaitAsync(Timeout, TestContext.Current.CancellationToken);
        Assert.Equal(ScsiStatus.TaskAborted, result.Status);
        Assert.Empty(result.Sense);
        Assert.Equal(0, t.Unit.RunningCommands);
    }

    private static Task<TestUnit.Result> Read(TestUnit t, ulong lba, TaskAttribute attribute) =>
        t.RunAsync(Cdb.Read10((uint)lba, 1), DataDirection.Read, new byte[512], 512, null, attribute).AsTask();

    private static Task<TestUnit.Result> Tur(TestUnit t, TaskAttribute attribute) =>
        t.RunAsync(Cdb.TestUnitReady(), DataDirection.None, [], 0, null, attribute).AsTask();

    /// <summary>Holds every read of block n in the backstore until <see cref="Open"/>(n).</summary>
    private sealed class Gates
    {
        private readonly Lock _lock = new();
        private readonly Dictionary<long, TaskCompletionSource> _gates = [];
        private readonly Dictionary<long, TaskCompletionSource> _arrivals = [];
        private readonly List<long> _arrived = [];

        public Gates(InstrumentedBackstore probe) => probe.Before = (call, _) =>
            call.Operation == BackstoreOperation.Read ? new ValueTask(Arrive(call.Offset / 512)) : default;

        public IReadOnlyList<long> Arrived
        {
            get
            {
                lock (_lock)
                {
                    return [.. _arrived];
                }
            }
        }

        public void Open(long block) => Gate(_gates, block).TrySetResult();

        public Task WaitForArrivalAsync(long block) => Gate(_arrivals, block).Task.WaitAsync(Timeout);

        private Task Arrive(long block)
        {
            lock (_lock)
            {
                _arrived.Add(block);
            }

            Gate(_arrivals, block).TrySetResult();
            return Gate(_gates, block).Task;
        }

        private TaskCompletionSource Gate(Dictionary<long, TaskCompletionSource> gates, long block)
        {
            lock (_lock)
            {
                if (!gates.TryGetValue(block, out var gate))
                {
                    gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    gates[block] = gate;
                }

                return gate;
            }
        }
    }
}
