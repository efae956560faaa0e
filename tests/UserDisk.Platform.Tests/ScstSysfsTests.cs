using UserDisk.Platform.Sysfs;

namespace UserDisk.Platform.Tests;

public sealed class ScstSysfsTests
{
    private const string Iqn = AgentHarness.Iqn;
    private const string LunMgmt = "targets/iscsi/" + Iqn + "/luns/mgmt";

    [Fact]
    public void User_devices_are_told_apart_from_vdisk_devices()
    {
        using var harness = new AgentHarness();
        harness.Model.RegisterDevice("disk1");
        harness.Model.RegisterVdiskDevice("vdisk1");
        ScstSysfs sysfs = harness.Sysfs();

        Assert.Equal(["disk1", "vdisk1"], sysfs.ListDevices().Order());
        Assert.True(sysfs.IsUserDevice("disk1"));
        Assert.False(sysfs.IsUserDevice("vdisk1"));
        Assert.False(sysfs.IsUserDevice("missing"));
    }

    [Fact]
    public async Task Lun_tables_map_numbers_to_device_names()
    {
        using var harness = new AgentHarness();
        harness.Model.RegisterDevice("disk1");
        harness.Model.RegisterDevice("disk2");
        ScstSysfs sysfs = harness.Sysfs();
        await sysfs.CreateGroupAsync("iscsi", Iqn, "hosts", TestContext.Current.CancellationToken);

        await sysfs.AddLunAsync("iscsi", Iqn, null, 0, "disk1", readOnly: false, TestContext.Current.CancellationToken);
        await sysfs.AddLunAsync("iscsi", Iqn, "hosts", 5, "disk2", readOnly: true, TestContext.Current.CancellationToken);

        Assert.Equal(new Dictionary<int, string> { [0] = "disk1" }, sysfs.ListLuns("iscsi", Iqn));
        Assert.Equal(new Dictionary<int, string> { [5] = "disk2" }, sysfs.ListLuns("iscsi", Iqn, "hosts"));
        Assert.True(harness.Model.IsLunReadOnly("iscsi", Iqn, "hosts", 5));
        Assert.Contains(harness.Model.Writes, w => w.Text == "add disk2 5 read_only=1\n");
    }

    [Fact]
    public void Attribute_reads_drop_the_key_line()
    {
        using var harness = new AgentHarness();
        harness.Model.Write($"targets/iscsi/{Iqn}/enabled", "1\n");

        Assert.Equal($"1\n[key]\n", harness.Model.Read($"targets/iscsi/{Iqn}/enabled"));
        Assert.Equal("1", harness.Sysfs().ReadAttribute($"targets/iscsi/{Iqn}/enabled"));
    }

    [Fact]
    public async Task A_queued_command_succeeds_through_last_sysfs_mgmt_res()
    {
        using var harness = new AgentHarness();
        harness.Model.RegisterDevice("disk1");
        harness.Model.QueueNextWrite(LunMgmt, pendingReads: 3);

        await harness.Sysfs().AddLunAsync("iscsi", Iqn, null, 0, "disk1", readOnly: false, TestContext.Current.CancellationToken);

        Assert.Equal(new Dictionary<int, string> { [0] = "disk1" }, harness.Model.Luns("iscsi", Iqn));
        Assert.Equal(SysfsErrno.EAGAIN, Assert.Single(harness.Model.Writes).Result);
    }

    [Fact]
    public async Task A_queued_command_that_fails_reports_the_errno_from_last_sysfs_mgmt_res()
    {
        using var harness = new AgentHarness();
        harness.Model.RegisterDevice("disk1");
        harness.Model.RegisterDevice("disk2");
        harness.Model.AddLun("iscsi", Iqn, null, 0, "disk2");
        harness.Model.QueueNextWrite(LunMgmt, pendingReads: 2);

        var e = await Assert.ThrowsAsync<SysfsWriteException>(() =>
            harness.Sysfs().AddLunAsync("iscsi", Iqn, null, 0, "disk1", readOnly: false, TestContext.Current.CancellationToken));

        Assert.Equal(SysfsErrno.EEXIST, e.Errno);
        Assert.Contains("last_sysfs_mgmt_res -17", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_pending_result_given_as_text_is_polled_as_well()
    {
        using var harness = new AgentHarness();
        harness.Model.PendingResultAsText = true;
        harness.Model.QueueNextWrite("targets/iscsi/" + Iqn + "/ini_groups/mgmt", pendingReads: 2, result: SysfsErrno.ENOMEM);

        var e = await Assert.ThrowsAsync<SysfsWriteException>(() =>
            harness.Sysfs().CreateGroupAsync("iscsi", Iqn, "hosts", TestContext.Current.CancellationToken));

        Assert.Equal(SysfsErrno.ENOMEM, e.Errno);
    }

    [Fact]
    public async Task A_queued_command_that_never_finishes_times_out()
    {
        using var harness = new AgentHarness();
        harness.Model.RegisterDevice("disk1");
        harness.Model.QueueNextWrite(LunMgmt, pendingReads: int.MaxValue);
        ScstSysfs sysfs = harness.Sysfs(AgentHarness.FastSysfs with { MgmtResultTimeout = TimeSpan.FromMilliseconds(100) });

        var e = await Assert.ThrowsAsync<SysfsWriteException>(() =>
            sysfs.AddLunAsync("iscsi", Iqn, null, 0, "disk1", readOnly: false, TestContext.Current.CancellationToken));

        Assert.Equal(SysfsErrno.ETIMEDOUT, e.Errno);
        Assert.Contains("still not finished", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_hanging_write_times_out_with_a_clear_error()
    {
        using var harness = new AgentHarness();
        harness.Model.RegisterDevice("disk1");
        harness.Model.HangNextWrite(LunMgmt, TimeSpan.FromSeconds(30));
        ScstSysfs sysfs = harness.Sysfs(AgentHarness.FastSysfs with { WriteTimeout = TimeSpan.FromMilliseconds(200) });

        var e = await Assert.ThrowsAsync<SysfsWriteException>(() =>
            sysfs.AddLunAsync("iscsi", Iqn, null, 0, "disk1", readOnly: false, TestContext.Current.CancellationToken));

        Assert.Equal(SysfsErrno.ETIMEDOUT, e.Errno);
        Assert.Contains("did not return within 0.2 s", e.Message, StringComparison.Ordinal);
        Assert.Contains("add disk1 0", e.Message, StringComparison.Ordinal);
        Assert.Equal(1, sysfs.HungWrites);

        // The abandoned write still lands when the kernel lets it go: the caller was told it may.
        harness.Model.ReleaseHangs();
        await WaitUntil(() => sysfs.HungWrites == 0);
        Assert.Equal(new Dictionary<int, string> { [0] = "disk1" }, harness.Model.Luns("iscsi", Iqn));
    }

    [Fact]
    public async Task Direct_failures_carry_the_errno()
    {
        using var harness = new AgentHarness();
        harness.Model.RegisterDevice("disk1");
        harness.Model.FailNextWrite(LunMgmt, SysfsErrno.EBUSY);

        var e = await Assert.ThrowsAsync<SysfsWriteException>(() =>
            harness.Sysfs().AddLunAsync("iscsi", Iqn, null, 0, "disk1", readOnly: false, TestContext.Current.CancellationToken));

        Assert.Equal(SysfsErrno.EBUSY, e.Errno);
        Assert.Equal(LunMgmt, e.Path);
        Assert.Equal("add disk1 0\n", e.Command);
    }

    [Fact]
    public async Task Enabling_an_iscsi_target_enables_the_driver_too()
    {
        using var harness = new AgentHarness();

        await harness.Sysfs().EnableTargetAsync("iscsi", Iqn, TestContext.Current.CancellationToken);

        Assert.True(harness.Model.IsDriverEnabled("iscsi"));
        Assert.True(harness.Model.IsTargetEnabled("iscsi", Iqn));
    }

    [Fact]
    public async Task Enabling_a_scst_local_target_writes_nothing()
    {
        using var harness = new AgentHarness();

        await harness.Sysfs().EnableTargetAsync("scst_local", AgentHarness.LocalTarget, TestContext.Current.CancellationToken);

        Assert.Empty(harness.Model.Writes);
    }

    [Fact]
    public async Task Enabling_a_missing_target_fails_with_enoent()
    {
        using var harness = new AgentHarness();

        var e = await Assert.ThrowsAsync<SysfsException>(() => harness.Sysfs().EnableTargetAsync("iscsi", "iqn.nope", TestContext.Current.CancellationToken));

        Assert.Equal(SysfsErrno.ENOENT, e.Errno);
    }

    [Theory]
    [InlineData("bad name")]
    [InlineData("a/b")]
    [InlineData("..")]
    [InlineData("")]
    public async Task Names_that_would_break_a_command_or_a_path_are_refused(string device)
    {
        using var harness = new AgentHarness();

        await Assert.ThrowsAnyAsync<ArgumentException>(() =>
            harness.Sysfs().AddLunAsync("iscsi", Iqn, null, 0, device, readOnly: false, TestContext.Current.CancellationToken));
        Assert.Empty(harness.Model.Writes);
    }

    [Fact]
    public async Task Sessions_are_listed_with_their_group_luns_and_counters()
    {
        using var harness = new AgentHarness();
        harness.Model.RegisterDevice("disk1");
        harness.Model.RegisterDevice("disk2");
        ScstSysfs sysfs = harness.Sysfs();
        await sysfs.CreateGroupAsync("iscsi", Iqn, "hosts", TestContext.Current.CancellationToken);
        await sysfs.AddInitiatorAsync("iscsi", Iqn, "hosts", "iqn.1994-05.com.redhat:host1", TestContext.Current.CancellationToken);
        harness.Model.AddLun("iscsi", Iqn, null, 0, "disk1");
        harness.Model.AddLun("iscsi", Iqn, "hosts", 0, "disk1");
        harness.Model.AddLun("iscsi", Iqn, "hosts", 3, "disk2");
        string grouped = harness.Model.LogIn("iscsi", Iqn, "iqn.1994-05.com.redhat:host1");
        string other = harness.Model.LogIn("iscsi", Iqn, "iqn.2000-01.org.example:other");
        harness.Model.SetAttribute($"targets/iscsi/{Iqn}/sessions/{grouped}/active_commands", "7\n");
        harness.Model.SetAttribute($"targets/iscsi/{Iqn}/sessions/{grouped}/commands", "9\n");
        harness.Model.SetAttribute($"targets/iscsi/{Iqn}/sessions/{grouped}/write_io_count_kb", "4096\n");

        SessionListing listing = sysfs.ListSessions("iscsi", Iqn);

        Assert.Empty(listing.Errors);
        Assert.Equal([grouped, other], listing.Sessions.Select(static s => s.Session));
        ScstSession host = listing.Sessions[0];
        Assert.Equal(("iscsi", Iqn, "iqn.1994-05.com.redhat:host1", "hosts"), (host.Driver, host.Target, host.Initiator, host.Group));
        Assert.Equal([0, 3], host.Luns);
        Assert.Equal((7L, 9L, 4096L, 0L), (host.ActiveCommands, host.Commands, host.WriteKiB, host.ReadKiB));
        Assert.Null(listing.Sessions[1].Group);
        Assert.Equal([0], listing.Sessions[1].Luns);
        Assert.Empty(sysfs.ListSessions("qla2x00t", AgentHarness.Wwpn).Sessions);
        Assert.Empty(sysfs.ListSessions("iscsi", "iqn.no-such-target").Sessions);
    }

    [Fact]
    public void A_missing_session_attribute_leaves_a_gap_and_an_unreadable_one_an_error()
    {
        using var harness = new AgentHarness();
        string session = harness.Model.LogIn("iscsi", Iqn, "iqn.1994-05.com.redhat:host1");
        string path = $"targets/iscsi/{Iqn}/sessions/{session}";
        harness.Model.RemoveEntry($"{path}/read_cmd_count");
        harness.Model.FailNextRead($"{path}/active_commands", SysfsErrno.EAGAIN);

        SessionListing listing = harness.Sysfs().ListSessions("iscsi", Iqn);

        ScstSession listed = Assert.Single(listing.Sessions);
        Assert.Null(listed.ReadCommands);
        Assert.Null(listed.ActiveCommands);
        Assert.Equal(0, listed.Commands);
        Assert.Equal($"{path}/active_commands: {SysfsException.Describe(SysfsErrno.EAGAIN)}", Assert.Single(listing.Errors));
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (int i = 0; i < 500 && !condition(); i++)
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        Assert.True(condition());
    }
}
