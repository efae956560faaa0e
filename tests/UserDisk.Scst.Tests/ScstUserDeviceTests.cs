using System.Buffers.Binary;
using UserDisk.Scst.Interop;

namespace UserDisk.Scst.Tests;

/// <summary>
/// The real front end (<see cref="ScstUserDevice"/>, its workers, buffers and the engine) against the kernel
/// emulator: registration, every command flow of ABI-SCST-USER.md §8.11, sessions, task management, slow
/// backstores, capacity changes and shutdown. Each test ends by asserting the emulator counted no protocol violation
/// (<see cref="EmulatedDisk.DisposeAsync"/>).
/// </summary>
public sealed class ScstUserDeviceTests
{
    private const int Timeout = 10_000;

    [Fact]
    public async Task Registers_with_the_options_of_the_design()
    {
        await using var disk = new EmulatedDisk();
        var (options, blockSize) = Emulator.DeviceOptions(disk.Name);

        Assert.Equal((byte)ScstUserParseType.Standard, options.ParseType);
        Assert.Equal((byte)ScstUserMemoryReuseType.ReuseAll, options.MemoryReuseType);
        Assert.Equal((byte)ScstUserOnFreeCommandType.Ignore, options.OnFreeCommandType);
        Assert.Equal((byte)ScstQueueAlgorithm.UnrestrictedReorder, options.QueueAlgorithm);
        Assert.Equal((byte)ScstTaskSetType.SeparateTaskSets, options.TaskSetType);
        Assert.Equal(512u, blockSize);
        Assert.Equal(Emulator.Version, disk.Stats.VersionReceived);
        Assert.True(disk.Device.IsRegistered);
    }

    [Fact]
    public async Task A_version_the_module_does_not_know_is_refused_showing_the_string_sent()
    {
        await using var disk = new EmulatedDisk(register: false);
        const string wrong = "3.9.0230a30730ec749a9738ef33d6d17b1e6739bd19558760c5ceec7d20ce59c725a4a7a1f005466a6d0";

        var error = Assert.Throws<ScstRegistrationException>(() => disk.Device.Register(wrong));

        Assert.Equal((int)Errno.EINVAL, error.ErrorNumber);
        Assert.Contains(wrong, error.Message, StringComparison.Ordinal);
        Assert.Contains("dmesg", error.Message, StringComparison.Ordinal);
        Assert.False(disk.Device.IsRegistered);
        Assert.Equal(wrong, disk.Stats.VersionReceived);
    }

    [Fact]
    public async Task A_name_already_registered_is_refused_with_EEXIST()
    {
        await using var first = new EmulatedDisk();
        await using var second = new EmulatedDisk(name: first.Name, register: false);

        var error = Assert.Throws<ScstRegistrationException>(() => second.Device.Register(Emulator.Version));

        Assert.Equal((int)Errno.EEXIST, error.ErrorNumber);
        Assert.Contains("already exists", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("disk.img")]
    [InlineData("a/b")]
    [InlineData("with space")]
    [InlineData("x123456789x123456789x123456789x123456789x123456789")]
    public void Device_names_are_checked_before_the_kernel_sees_them(string name)
    {
        var error = Assert.Throws<ArgumentException>(() => ScstDeviceOptions.ValidateName(name));
        Assert.Contains("SCST device name", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Write_cold_allocates_then_warm_reuses_the_cached_buffer_and_read_returns_the_data()
    {
        await using var disk = new EmulatedDisk();
        ulong session = disk.Attach();
        byte[] data = Pattern(4096, 7);

        var cold = EmulatedDisk.Write10(session, 8, data);
        Assert.Equal(0, cold.Status);
        disk.WaitIdle();
        var afterCold = disk.Stats.Raw;
        Assert.Equal(1ul, afterCold.AllocMemSent);

        var warm = EmulatedDisk.Write10(session, 8, data);
        Assert.Equal(0, warm.Status);
        disk.WaitIdle();
        var afterWarm = disk.Stats.Raw;
        Assert.Equal(1ul, afterWarm.AllocMemSent);
        Assert.True(afterWarm.CacheHits > afterCold.CacheHits, disk.Stats.ToString());

        byte[] back = new byte[4096];
        var read = EmulatedDisk.Read10(session, 8, back);
        Assert.Equal(0, read.Status);
        Assert.Equal(4096, read.ResponseDataLength);
        Assert.Equal(data, back);
    }

    [Fact]
    public async Task A_cold_read_hands_a_page_aligned_buffer_over_in_the_exec_reply()
    {
        await using var disk = new EmulatedDisk();
        ulong session = disk.Attach();
        byte[] data = Pattern(64 * 1024, 3);
        EmulatedDisk.Write10(session, 100, data);
        // A different size class than the write used: no cached buffer, EXEC arrives with pbuf = 0.
        byte[] back = new byte[32 * 1024];

        var read = EmulatedDisk.Read10(session, 100, back);

        Assert.Equal(0, read.Status);
        Assert.Equal(data.AsSpan(0, back.Length).ToArray(), back);
        disk.WaitIdle();
        Assert.True(disk.Device.Buffers.BytesWithKernel >= 64 * 1024 + 32 * 1024);
    }

    [Fact]
    public async Task Test_unit_ready_has_no_data_and_good_status()
    {
        await using var disk = new EmulatedDisk();
        ulong session = disk.Attach();

        var tur = EmulatedDisk.Run(session, new byte[6], Direction.None, []);

        Assert.Equal(0, tur.Status);
        Assert.Equal(0, tur.ResponseDataLength);
    }

    [Fact]
    public async Task Read_capacity_and_out_of_range_reads_come_from_the_engine()
    {
        await using var disk = new EmulatedDisk();
        ulong session = disk.Attach();
        byte[] capacity = new byte[8];

        var rc = EmulatedDisk.Run(session, [0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0], Direction.Read, capacity);
        Assert.Equal(0, rc.Status);
        Assert.Equal((64u << 20) / 512 - 1, BinaryPrimitives.ReadUInt32BigEndian(capacity));

        byte[] block = new byte[512];
        var beyond = EmulatedDisk.Read10(session, (64u << 20) / 512, block);
        Assert.Equal(2, beyond.Status);
        Assert.Equal(((byte)5, (byte)0x21, (byte)0), beyond.SenseTriple());
    }

    [Fact]
    public async Task A_32_byte_cdb_is_fetched_with_GET_EXTENDED_CDB()
    {
        await using var disk = new EmulatedDisk();
        ulong session = disk.Attach();
        byte[] data = Pattern(1024, 9);
        EmulatedDisk.Write10(session, 40, data);
        // READ(32): variable-length CDB 7Fh, service action 0009h, LBA at 12..19, length at 28..31.
        byte[] cdb = new byte[32];
        cdb[0] = 0x7F;
        cdb[7] = 0x18;
        cdb[9] = 0x09;
        BinaryPrimitives.WriteUInt64BigEndian(cdb.AsSpan(12), 40);
        BinaryPrimitives.WriteUInt32BigEndian(cdb.AsSpan(28), 2);
        byte[] back = new byte[1024];

        var read = EmulatedDisk.Run(session, cdb, Direction.Read, back);

        // The engine saw all 32 bytes: either it serves READ(32) or it names a field beyond byte 16; both prove it.
        if (read.Status == 0)
        {
            Assert.Equal(data, back);
        }
        else
        {
            Assert.Equal(2, read.Status);
            Assert.Equal((byte)5, read.SenseTriple().Key);
        }
    }

    [Fact]
    public async Task With_on_free_notifications_every_command_is_freed_and_cached_buffers_stay_with_the_kernel()
    {
        await using var disk = new EmulatedDisk(options: new ScstDeviceOptions { Name = "x", NotifyOnFree = true });
        ulong session = disk.Attach();
        for (uint i = 0; i < 10; i++)
        {
            Assert.Equal(0, EmulatedDisk.Write10(session, i * 8, Pattern(4096, (int)i)).Status);
        }

        disk.WaitIdle();
        var stats = disk.Stats.Raw;
        Assert.Equal(10ul, stats.OnFreeSent);
        // Cached buffers are not freed on ON_FREE_CMD (buffer_cached = 1): every buffer the kernel cached is still
        // its, however many it needed while ON_FREE_CMDs were outstanding.
        Assert.Equal(stats.AllocMemSent, stats.BuffersCached);
        Assert.Equal((long)stats.BuffersCached * 4096, disk.Device.Buffers.BytesWithKernel);
    }

    [Fact]
    public async Task Purged_buffers_come_back_to_the_pool_and_are_unmapped_only_by_it()
    {
        await using var disk = new EmulatedDisk();
        ulong session = disk.Attach();
        EmulatedDisk.Write10(session, 0, Pattern(4096, 1));
        EmulatedDisk.Write10(session, 0, Pattern(128 * 1024, 2));
        disk.WaitIdle();
        Assert.Equal(4096 + (128 * 1024), disk.Device.Buffers.BytesWithKernel);

        int purged = Emulator.PurgeCache(disk.Name);
        Assert.Equal(2, purged);
        await WaitUntil(() => disk.Device.Buffers.BytesWithKernel == 0);
        Assert.Equal(2ul, disk.Stats.Raw.OnCachedMemFreeSent);

        // The next command of that size allocates again and works.
        Assert.Equal(0, EmulatedDisk.Write10(session, 0, Pattern(4096, 3)).Status);
    }

    [Fact]
    public async Task Transfers_above_4_MiB_are_never_cached_and_come_straight_back()
    {
        await using var disk = new EmulatedDisk();
        ulong session = disk.Attach();
        byte[] data = Pattern(8 << 20, 5);
        Assert.Equal(0, EmulatedDisk.Write10(session, 0, data).Status);
        byte[] back = new byte[8 << 20];
        Assert.Equal(0, EmulatedDisk.Read10(session, 0, back).Status);
        Assert.Equal(data, back);

        await WaitUntil(() => disk.Device.Buffers.BytesWithKernel == 0, failure: () => $"{disk.Device.Buffers.BytesWithKernel} bytes with the kernel; {disk.Stats}");
        Assert.True(disk.Stats.Raw.OnCachedMemFreeSent >= 2, disk.Stats.ToString());
    }

    [Fact]
    public async Task Preallocated_buffers_serve_the_first_writes_without_ALLOC_MEM()
    {
        await using var disk = new EmulatedDisk(options: new ScstDeviceOptions { Name = "x", PreallocateBuffers = 2, PreallocateBufferBytes = 4096 });
        Assert.Equal(4ul, disk.Stats.Raw.PreallocBuffers);
        ulong session = disk.Attach();

        Assert.Equal(0, EmulatedDisk.Write10(session, 0, Pattern(4096, 1)).Status);

        disk.WaitIdle();
        Assert.Equal(0ul, disk.Stats.Raw.AllocMemSent);
    }

    [Fact]
    public async Task Sessions_attach_and_detach_through_the_engine()
    {
        await using var disk = new EmulatedDisk();
        ulong session = Emulator.Attach(disk.Name, 3, "iqn.1993-08.org.debian:01:host");

        var attached = Assert.Single(disk.Device.Sessions);
        Assert.Equal(session, attached.Handle);
        Assert.Equal(3ul, attached.Lun);
        Assert.Equal("iqn.1993-08.org.debian:01:host", attached.InitiatorName);

        Assert.Equal(0, Emulator.Detach(session));
        await WaitUntil(() => disk.Device.Sessions.Count == 0);
    }

    [Fact]
    public async Task Sessions_come_and_go_while_another_session_is_under_load()
    {
        await using var disk = new EmulatedDisk();
        ulong busy = disk.Attach();
        var loading = Task.Run(() => RunLoad(ReadLoad(busy, 4096, queueDepth: 16, total: 30_000)));

        for (int i = 0; i < 20; i++)
        {
            ulong session = Emulator.Attach(disk.Name, 0, $"iqn.2026-11.test:churn-{i}");
            byte[] data = Pattern(4096, i);
            Assert.Equal(0, EmulatedDisk.Write10(session, (uint)(1000 + (i * 8)), data).Status);
            byte[] back = new byte[4096];
            Assert.Equal(0, EmulatedDisk.Read10(session, (uint)(1000 + (i * 8)), back).Status);
            Assert.Equal(data, back);
            Assert.Equal(0, Emulator.Detach(session));
        }

        var load = await loading.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        Assert.Equal(30_000ul, load.Completed);
        Assert.Equal(0ul, load.NotGood);
        await WaitUntil(() => disk.Device.Sessions.Count == 1);
    }

    [Fact]
    public async Task A_slow_backstore_completes_out_of_order_and_every_read_gets_its_own_data()
    {
        var store = new ControlledBackstore("slow", 64L << 20);
        await using var disk = new EmulatedDisk(store);
        ulong session = disk.Attach();
        const int count = 48;
        for (int i = 0; i < count; i++)
        {
            EmulatedDisk.Write10(session, (uint)(i * 8), Pattern(4096, i));
        }

        store.MaxDelayMilliseconds = 20;
        using var commands = new NativeCommands(count, 4096);
        for (int i = 0; i < count; i++)
        {
            commands.SubmitRead(i, session, (uint)(i * 8));
        }

        for (int i = 0; i < count; i++)
        {
            Assert.Equal(0, commands.Wait(i, Timeout));
            Assert.Equal(0, commands[i].Status);
            Assert.Equal(Pattern(4096, i), commands.Data(i).ToArray());
        }
    }

    [Fact]
    public async Task Abort_task_ends_a_command_waiting_on_the_backstore()
    {
        var store = new ControlledBackstore("gated", 64L << 20);
        await using var disk = new EmulatedDisk(store);
        ulong session = disk.Attach();
        store.CloseGate();
        using var commands = new NativeCommands(1, 4096);
        long tag = commands.SubmitRead(0, session, 0);
        await WaitUntil(() => store.Waiting == 1);

        int result = Emulator.TaskManagement(session, (uint)ScstTaskManagementFunction.AbortTask, tag, Timeout);

        Assert.Equal(0, result);
        Assert.Equal(0, commands.Wait(0, Timeout));
        Assert.Equal(1, commands[0].Aborted);
        store.OpenGate();
        var stats = disk.Stats.Raw;
        Assert.Equal(1ul, stats.TaskManagementReceivedSent);
        Assert.Equal(1ul, stats.TaskManagementDoneSent);
    }

    [Fact]
    public async Task Lun_reset_with_commands_in_flight_on_two_sessions_aborts_them_all_and_the_unit_serves_on()
    {
        var store = new ControlledBackstore("reset", 64L << 20);
        await using var disk = new EmulatedDisk(store);
        ulong first = disk.Attach(initiator: "iqn.2026-11.test:a");
        ulong second = disk.Attach(initiator: "iqn.2026-11.test:b");
        store.CloseGate();
        const int perSession = 4;
        using var commands = new NativeCommands(perSession * 2, 4096);
        for (int i = 0; i < commands.Count; i++)
        {
            commands.SubmitRead(i, i < perSession ? first : second, (uint)(i * 8));
        }

        await WaitUntil(() => store.Waiting == commands.Count);
        Assert.Equal(0, Emulator.TaskManagement(first, (uint)ScstTaskManagementFunction.LunReset, 0, Timeout));
        for (int i = 0; i < commands.Count; i++)
        {
            Assert.Equal(0, commands.Wait(i, Timeout));
            Assert.Equal(1, commands[i].Aborted);
        }

        store.OpenGate();
        byte[] back = new byte[512];
        Assert.Equal(0, EmulatedDisk.Read10(second, 0, back).Status);
    }

    [Fact]
    public async Task Capacity_growth_reaches_every_session_as_the_cores_unit_attention()
    {
        var store = new ControlledBackstore("grow", 32L << 20);
        await using var disk = new EmulatedDisk(store);
        ulong session = disk.Attach();
        Assert.Equal(0, EmulatedDisk.Run(session, new byte[6], Direction.None, []).Status);

        store.Grow(48L << 20);
        Assert.True(disk.Device.NotifyCapacityChanged());

        var attention = EmulatedDisk.Run(session, new byte[6], Direction.None, []);
        Assert.Equal(2, attention.Status);
        Assert.Equal(((byte)6, (byte)0x2A, (byte)0x09), attention.SenseTriple());
        byte[] capacity = new byte[8];
        Assert.Equal(0, EmulatedDisk.Run(session, [0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0], Direction.Read, capacity).Status);
        Assert.Equal((48u << 20) / 512 - 1, BinaryPrimitives.ReadUInt32BigEndian(capacity));
        Assert.Equal(1ul, disk.Stats.Raw.CapacityChangedCalls);
        Assert.False(disk.Device.NotifyCapacityChanged());
    }

    [Fact]
    public async Task A_mode_select_of_the_control_page_is_pushed_to_the_core_with_SET_OPTIONS()
    {
        await using var disk = new EmulatedDisk();
        ulong session = disk.Attach();
        byte[] sensed = new byte[255];
        var sense = EmulatedDisk.Run(session, [0x5A, 0x08, 0x0A, 0, 0, 0, 0, 0, 0xFF, 0], Direction.Read, sensed);
        Assert.Equal(0, sense.Status);
        int pageLength = sensed[9] + 2;
        byte[] select = new byte[8 + pageLength];
        sensed.AsSpan(8, pageLength).CopyTo(select.AsSpan(8));
        select[8] &= 0x3F;
        select[10] |= 0x04; // D_SENSE

        var selected = EmulatedDisk.Run(session, [0x55, 0x10, 0, 0, 0, 0, 0, 0, (byte)select.Length, 0], Direction.Write, select);

        Assert.Equal(0, selected.Status);
        Assert.True(disk.Unit.Mode.DescriptorSense);
        await WaitUntil(() => Emulator.DeviceOptions(disk.Name).Options.DescriptorSense == 1);
    }

    [Fact]
    public async Task Shutdown_waits_for_commands_in_flight_when_they_finish_within_the_drain_time()
    {
        var store = new ControlledBackstore("drain", 64L << 20);
        var disk = new EmulatedDisk(store, new ScstDeviceOptions { Name = "x", DrainTimeout = TimeSpan.FromSeconds(10) });
        ulong session = disk.Attach();
        EmulatedDisk.Write10(session, 0, Pattern(4096, 4));
        store.CloseGate();
        using var commands = new NativeCommands(1, 4096);
        commands.SubmitRead(0, session, 0);
        await WaitUntil(() => store.Waiting == 1);

        var stopping = disk.Device.StopAsync(TestContext.Current.CancellationToken);
        await Task.Delay(100, TestContext.Current.CancellationToken);
        Assert.False(stopping.IsCompleted);
        store.OpenGate();
        await stopping.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Equal(0, commands.Wait(0, Timeout));
        Assert.Equal(0, commands[0].Status);
        byte[] back = commands.Data(0).ToArray();
        Assert.Equal(Pattern(4096, 4), back);
        Assert.Equal(0u, disk.Stats.Raw.Registered);
        Assert.Equal(0, disk.Device.Buffers.BytesWithKernel);
        await disk.DisposeAsync();
    }

    [Fact]
    public async Task Shutdown_after_the_drain_time_closes_and_the_kernel_fails_what_is_left()
    {
        var store = new ControlledBackstore("stuck", 64L << 20);
        var disk = new EmulatedDisk(store, new ScstDeviceOptions { Name = "x", DrainTimeout = TimeSpan.FromMilliseconds(200) });
        ulong session = disk.Attach();
        store.CloseGate();
        using var commands = new NativeCommands(1, 4096);
        commands.SubmitRead(0, session, 0);
        await WaitUntil(() => store.Waiting == 1);

        await disk.Device.StopAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Equal(0, commands.Wait(0, Timeout));
        Assert.Equal(2, commands[0].Status);
        Assert.Equal(((byte)5, (byte)0x25, (byte)0), commands[0].SenseTriple());
        store.OpenGate();
        Assert.Equal(0u, disk.Stats.Raw.Registered);
        await disk.DisposeAsync();
    }

    [Fact]
    public async Task A_device_whose_fd_goes_bad_is_taken_down_and_says_why()
    {
        await using var disk = new EmulatedDisk();
        var faulted = new TaskCompletionSource<ScstDeviceFaultedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        disk.Device.Faulted += (_, e) => faulted.TrySetResult(e);

        // As if something else in the process closed the descriptor under the workers.
        Assert.Equal(0, Emulator.Close(disk.Device.Fd));

        var reason = await faulted.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.Equal(disk.Name, reason.Device);
        Assert.False(string.IsNullOrEmpty(reason.Reason));
        await WaitUntil(() => !disk.Device.IsRegistered);
    }

    [Fact]
    public async Task One_hundred_thousand_4_KiB_commands_allocate_no_managed_memory_on_the_worker()
    {
        // One worker: nothing can contend, so any byte allocated is the loop's own.
        long allocated = await MeasureSteadyStateAllocation(workers: 1);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public async Task With_two_workers_allocation_does_not_grow_with_the_command_count()
    {
        // Two workers contend on the engine's and the pool's locks; System.Threading.Lock allocates its wait object
        // the first time it is contended, which can fall inside the measured run. That is once per lock, never per
        // command: 100,000 commands stay under a few hundred bytes in total.
        long allocated = await MeasureSteadyStateAllocation(workers: 2);
        Assert.InRange(allocated, 0, 2048);
    }

    private static async Task<long> MeasureSteadyStateAllocation(int workers)
    {
        await using var disk = new EmulatedDisk(options: new ScstDeviceOptions { Name = "x", WorkerThreads = workers });
        ulong session = disk.Attach();

        // The RAM disk allocates each 1 MiB chunk on its first write; that is the backstore's memory, not the loop's.
        // One chunk past the 32 MiB the loads address: a command at the last LBA reaches into it.
        byte[] block = new byte[512];
        for (long offset = 0; offset <= 32L << 20; offset += 1 << 20)
        {
            await disk.Backstore.WriteAsync(offset, block, forceUnitAccess: false, TestContext.Current.CancellationToken);
        }

        // Warm up until the kernel's buffer cache holds as many buffers as 32 commands in flight can use at once:
        // until then a new buffer (and its registry entry) is a legitimate allocation.
        int buffers;
        do
        {
            buffers = disk.Device.Buffers.Count;
            RunLoad(ReadLoad(session, 4096, queueDepth: 32, total: 20_000));
            RunLoad(WriteLoad(session, 4096, queueDepth: 32, total: 20_000));
            disk.WaitIdle();
        }
        while (disk.Device.Buffers.Count != buffers);

        long before = disk.Device.WorkerAllocatedBytes;
        var reads = RunLoad(ReadLoad(session, 4096, queueDepth: 32, total: 50_000));
        var writes = RunLoad(WriteLoad(session, 4096, queueDepth: 32, total: 50_000));
        disk.WaitIdle();
        await Task.Delay(50, TestContext.Current.CancellationToken);

        Assert.Equal(0ul, reads.NotGood + writes.NotGood);
        Assert.Equal(buffers, disk.Device.Buffers.Count);
        return disk.Device.WorkerAllocatedBytes - before;
    }

    internal static ScstEmulatorLoad ReadLoad(ulong session, int bytes, uint queueDepth, ulong total) =>
        Load(session, 0x28, Direction.Read, bytes, queueDepth, total);

    internal static ScstEmulatorLoad WriteLoad(ulong session, int bytes, uint queueDepth, ulong total) =>
        Load(session, 0x2A, Direction.Write, bytes, queueDepth, total);

    internal static unsafe ScstEmulatorLoad Load(ulong session, byte opcode, byte direction, int bytes, uint queueDepth, ulong total)
    {
        ScstEmulatorLoad load = default;
        load.SessionHandle = session;
        load.Cdb[0] = opcode;
        load.Cdb[8] = (byte)(bytes / 512);
        load.Cdb[7] = (byte)((bytes / 512) >> 8);
        load.CdbLength = 10;
        load.DataDirection = direction;
        load.Random = 1;
        load.BufferLength = bytes;
        load.BlockSize = 512;
        load.QueueDepth = queueDepth;
        load.LbaCount = (32ul << 20) / 512;
        load.TotalCommands = total;
        return load;
    }

    internal static unsafe ScstEmulatorLoad RunLoad(ScstEmulatorLoad load)
    {
        long id = Emulator.LoadStart(&load);
        Assert.True(id > 0, $"load_start {id}");
        Assert.Equal(0, Emulator.LoadWait(id, 120_000));
        Assert.Equal(load.TotalCommands, load.Completed);
        return load;
    }

    internal static byte[] Pattern(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    internal static async Task WaitUntil(Func<bool> condition, int timeoutMs = Timeout, Func<string>? failure = null)
    {
        var deadline = Environment.TickCount64 + timeoutMs;
        while (!condition())
        {
            Assert.True(Environment.TickCount64 < deadline, "condition not met in time" + (failure is null ? "" : ": " + failure()));
            await Task.Delay(5, TestContext.Current.CancellationToken);
        }
    }
}
