using System.Text.Json;
using Microsoft.Extensions.Logging;
using UserDisk.Platform.Attach;
using UserDisk.Platform.Sysfs;

namespace UserDisk.Platform.Tests;

public sealed class AttachManagerTests : IDisposable
{
    private const string Iqn = AgentHarness.Iqn;
    private const string Wwpn = AgentHarness.Wwpn;
    private const string IscsiLunMgmt = "targets/iscsi/" + Iqn + "/luns/mgmt";

    private readonly AgentHarness _harness = new();
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    public void Dispose() => _harness.Dispose();

    private SysfsModel Model => _harness.Model;

    // ---- Start-up ----

    [Fact]
    public async Task Startup_enables_targets_and_the_iscsi_driver()
    {
        var policy = new AttachPolicy
        {
            Targets =
            [
                new AttachTarget { Driver = "iscsi", Target = Iqn },
                new AttachTarget { Driver = "qla2x00t", Target = Wwpn },
                new AttachTarget { Driver = "scst_local", Target = AgentHarness.LocalTarget },
            ],
        };
        AttachManager manager = _harness.Manager(policy);

        await manager.StartupAsync(_ct);

        Assert.True(Model.IsDriverEnabled("iscsi"));
        Assert.True(Model.IsTargetEnabled("iscsi", Iqn));
        Assert.True(Model.IsTargetEnabled("qla2x00t", Wwpn));
        Assert.DoesNotContain(Model.Writes, w => w.Path.Contains("scst_local", StringComparison.Ordinal));
        Assert.Empty(manager.Status.SetupErrors);
    }

    [Fact]
    public async Task Startup_creates_groups_and_initiators_idempotently()
    {
        var policy = new AttachPolicy
        {
            Groups =
            [
                new AttachGroup { Driver = "qla2x00t", Target = Wwpn, Group = "hosts", Initiators = ["21:00:00:24:ff:aa:00:01", "21:00:00:24:ff:aa:00:02"] },
                new AttachGroup { Driver = "iscsi", Target = Iqn, Group = "ro", Initiators = ["iqn.1994-05.com.redhat:*"] },
            ],
            Targets = [new AttachTarget { Driver = "qla2x00t", Target = Wwpn }],
        };

        await _harness.Manager(policy).StartupAsync(_ct);
        int writesAfterFirst = Model.Writes.Count;
        AttachManager second = _harness.Manager(policy);
        await second.StartupAsync(_ct);

        Assert.Equal(["hosts"], Model.Groups("qla2x00t", Wwpn));
        Assert.Equal(["21:00:00:24:ff:aa:00:01", "21:00:00:24:ff:aa:00:02"], Model.Initiators("qla2x00t", Wwpn, "hosts").Order());
        Assert.Equal(["iqn.1994-05.com.redhat:*"], Model.Initiators("iscsi", Iqn, "ro"));
        Assert.Equal(writesAfterFirst, Model.Writes.Count);
        Assert.All(Model.Writes, w => Assert.Equal(SysfsErrno.None, w.Result));
        Assert.Empty(second.Status.SetupErrors);

        // Groups are in place before the target lets initiators in (§10.3).
        int lastGroupWrite = Model.Writes.ToList().FindLastIndex(w => w.Path.Contains("ini_groups", StringComparison.Ordinal));
        int enable = Model.Writes.ToList().FindIndex(w => w.Path.EndsWith("/enabled", StringComparison.Ordinal));
        Assert.True(lastGroupWrite < enable);
    }

    [Fact]
    public async Task Startup_answered_eexist_for_a_group_is_fine()
    {
        var policy = new AttachPolicy { Groups = [new AttachGroup { Driver = "iscsi", Target = Iqn, Group = "hosts" }] };
        Model.FailNextWrite($"targets/iscsi/{Iqn}/ini_groups/mgmt", SysfsErrno.EEXIST);
        AttachManager manager = _harness.Manager(policy);

        await manager.StartupAsync(_ct);

        Assert.Empty(manager.Status.SetupErrors);
    }

    [Fact]
    public async Task Startup_failures_are_kept_and_do_not_stop_the_scan()
    {
        var policy = AgentHarness.IscsiAuto() with { Targets = [new AttachTarget { Driver = "qla2x00t", Target = "21:00:00:00:00:00:00:99" }] };
        Model.RegisterDevice("disk1");
        AttachManager manager = _harness.Manager(policy);

        IReadOnlyList<AttachResult> results = await manager.StartupAsync(_ct);

        Assert.Contains("enable target qla2x00t/21:00:00:00:00:00:00:99", Assert.Single(manager.Status.SetupErrors), StringComparison.Ordinal);
        Assert.Equal(AttachOutcome.Attached, Assert.Single(results).Outcome);
    }

    [Fact]
    public async Task Startup_attaches_the_user_devices_already_registered_and_leaves_others_alone()
    {
        Model.RegisterDevice("disk2");
        Model.RegisterDevice("disk1");
        Model.RegisterVdiskDevice("disk-vdisk");
        AttachManager manager = _harness.Manager(AgentHarness.IscsiAuto());

        IReadOnlyList<AttachResult> results = await manager.StartupAsync(_ct);

        Assert.Equal(2, results.Count);
        Assert.Equal(new Dictionary<int, string> { [0] = "disk1", [1] = "disk2" }, Model.Luns("iscsi", Iqn));
    }

    // ---- LUN numbers ----

    [Fact]
    public async Task The_first_device_gets_lun_0_and_the_next_the_lowest_free_number()
    {
        AttachManager manager = _harness.Manager(AgentHarness.IscsiAuto());
        Model.RegisterDevice("disk1");
        Model.RegisterDevice("disk2");
        Model.RegisterDevice("disk3");
        Model.AddLun("iscsi", Iqn, null, 1, "disk3"); // someone else's LUN 1

        AttachResult first = await manager.ReconcileDeviceAsync("disk1", _ct);
        AttachResult second = await manager.ReconcileDeviceAsync("disk2", _ct);

        Assert.Equal((AttachOutcome.Attached, 0), (first.Outcome, first.Lun));
        Assert.Equal((AttachOutcome.Attached, 2), (second.Outcome, second.Lun));
        Assert.Equal(new Dictionary<int, string> { [0] = "disk1", [1] = "disk3", [2] = "disk2" }, Model.Luns("iscsi", Iqn));
    }

    [Fact]
    public async Task Explicit_lun_numbers_are_used()
    {
        var policy = new AttachPolicy
        {
            Rules =
            [
                new AttachRule { DevicePattern = "boot", Driver = "qla2x00t", Target = Wwpn, Lun = "0" },
                new AttachRule { DevicePattern = "data", Driver = "qla2x00t", Target = Wwpn, Lun = "42" },
            ],
        };
        AttachManager manager = _harness.Manager(policy);
        Model.RegisterDevice("data");
        Model.RegisterDevice("boot");

        AttachResult data = await manager.ReconcileDeviceAsync("data", _ct);
        AttachResult boot = await manager.ReconcileDeviceAsync("boot", _ct);

        Assert.Equal(42, data.Lun);
        Assert.Equal(0, boot.Lun);
        Assert.Equal(new Dictionary<int, string> { [0] = "boot", [42] = "data" }, Model.Luns("qla2x00t", Wwpn));
    }

    [Fact]
    public async Task An_explicit_lun_taken_by_another_device_is_reported_not_retried()
    {
        var policy = new AttachPolicy { Rules = [new AttachRule { DevicePattern = "disk*", Driver = "iscsi", Target = Iqn, Lun = "0" }] };
        AttachManager manager = _harness.Manager(policy);
        Model.RegisterDevice("other");
        Model.RegisterDevice("disk1");
        Model.AddLun("iscsi", Iqn, null, 0, "other");

        AttachResult result = await manager.ReconcileDeviceAsync("disk1", _ct);

        Assert.Equal(AttachOutcome.Failed, result.Outcome);
        Assert.Equal("lun_taken", result.Reason);
        Assert.Contains("LUN 0", result.Error, StringComparison.Ordinal);
        Assert.Contains("other", result.Error, StringComparison.Ordinal);
        Assert.Empty(_harness.LunAdds);
        Assert.Equal(DeviceAttachState.Failed, manager.Status.Devices.Single(d => d.Device == "disk1").State);
    }

    [Fact]
    public async Task A_read_only_rule_adds_the_lun_with_read_only_1()
    {
        AttachManager manager = _harness.Manager(AgentHarness.IscsiAuto(readOnly: true));
        Model.RegisterDevice("disk1");

        AttachResult result = await manager.ReconcileDeviceAsync("disk1", _ct);

        Assert.True(result.ReadOnly);
        Assert.Equal("add disk1 0 read_only=1\n", Assert.Single(_harness.LunAdds).Text);
        Assert.True(Model.IsLunReadOnly("iscsi", Iqn, null, 0));
    }

    [Fact]
    public async Task A_group_rule_uses_the_groups_lun_table_and_creates_the_group_if_needed()
    {
        var policy = new AttachPolicy { Rules = [new AttachRule { DevicePattern = "*", Driver = "qla2x00t", Target = Wwpn, Group = "hosts" }] };
        AttachManager manager = _harness.Manager(policy);
        Model.RegisterDevice("disk1");

        AttachResult result = await manager.ReconcileDeviceAsync("disk1", _ct);

        Assert.Equal(AttachOutcome.Attached, result.Outcome);
        Assert.Equal(["hosts"], Model.Groups("qla2x00t", Wwpn));
        Assert.Equal(new Dictionary<int, string> { [0] = "disk1" }, Model.Luns("qla2x00t", Wwpn, "hosts"));
        Assert.Empty(Model.Luns("qla2x00t", Wwpn));
    }

    [Fact]
    public async Task Lun_numbers_are_stable_across_agent_restarts()
    {
        using (AttachManager first = _harness.Manager(AgentHarness.IscsiAuto()))
        {
            Model.RegisterDevice("disk1");
            Model.RegisterDevice("disk2");
            Assert.Equal(0, (await first.ReconcileDeviceAsync("disk1", _ct)).Lun);
            Assert.Equal(1, (await first.ReconcileDeviceAsync("disk2", _ct)).Lun);
        }

        // Both handlers restart while the agent is down: the kernel drops their LUNs.
        Model.UnregisterDevice("disk1");
        Model.UnregisterDevice("disk2");
        AttachManager second = _harness.Manager(AgentHarness.IscsiAuto());
        await second.StartupAsync(_ct);

        // disk2 comes back first and still gets 1, although 0 is free; disk1 then gets its 0.
        Model.RegisterDevice("disk2");
        AttachResult disk2 = await second.ReconcileDeviceAsync("disk2", _ct);
        Model.RegisterDevice("disk1");
        AttachResult disk1 = await second.ReconcileDeviceAsync("disk1", _ct);

        Assert.Equal(1, disk2.Lun);
        Assert.Equal(0, disk1.Lun);
    }

    [Fact]
    public async Task A_new_device_does_not_take_the_number_remembered_for_an_absent_one()
    {
        AttachManager manager = _harness.Manager(AgentHarness.IscsiAuto());
        foreach (string d in new[] { "disk1", "disk2", "disk3" })
        {
            Model.RegisterDevice(d);
            await manager.ReconcileDeviceAsync(d, _ct);
        }

        Model.UnregisterDevice("disk2"); // LUN 1 is free, but disk2 will want it back
        Model.RegisterDevice("disk4");
        AttachResult disk4 = await manager.ReconcileDeviceAsync("disk4", _ct);
        Model.RegisterDevice("disk2");
        AttachResult disk2 = await manager.ReconcileDeviceAsync("disk2", _ct);

        Assert.Equal(3, disk4.Lun);
        Assert.Equal(1, disk2.Lun);
    }

    [Fact]
    public async Task Lun_0_goes_to_a_new_device_rather_than_staying_empty()
    {
        AttachManager manager = _harness.Manager(AgentHarness.IscsiAuto());
        Model.RegisterDevice("disk1");
        await manager.ReconcileDeviceAsync("disk1", _ct);
        Model.UnregisterDevice("disk1");

        Model.RegisterDevice("disk2");
        AttachResult disk2 = await manager.ReconcileDeviceAsync("disk2", _ct);
        Model.RegisterDevice("disk1");
        AttachResult disk1 = await manager.ReconcileDeviceAsync("disk1", _ct);

        Assert.Equal(0, disk2.Lun);
        Assert.Equal(1, disk1.Lun);
    }

    [Fact]
    public async Task A_restart_while_devices_exist_adds_nothing_twice()
    {
        Model.RegisterDevice("disk1");
        Model.RegisterDevice("disk2");
        using (AttachManager first = _harness.Manager(AgentHarness.IscsiAuto()))
        {
            await first.StartupAsync(_ct);
        }

        int adds = _harness.LunAdds.Count;
        AttachManager second = _harness.Manager(AgentHarness.IscsiAuto());
        IReadOnlyList<AttachResult> results = await second.StartupAsync(_ct);
        AttachResult again = await second.ReconcileDeviceAsync("disk1", _ct);

        Assert.Equal(2, adds);
        Assert.Equal(adds, _harness.LunAdds.Count);
        Assert.All(results, r => Assert.Equal(AttachOutcome.AlreadyAttached, r.Outcome));
        Assert.Equal(AttachOutcome.AlreadyAttached, again.Outcome);
        Assert.Equal(new Dictionary<int, string> { [0] = "disk1", [1] = "disk2" }, Model.Luns("iscsi", Iqn));
    }

    [Fact]
    public async Task A_device_already_in_the_table_at_another_number_is_not_added_again()
    {
        var policy = new AttachPolicy { Rules = [new AttachRule { DevicePattern = "disk1", Driver = "iscsi", Target = Iqn, Lun = "3" }] };
        Model.RegisterDevice("disk1");
        Model.AddLun("iscsi", Iqn, null, 7, "disk1");
        AttachManager manager = _harness.Manager(policy);

        AttachResult result = await manager.ReconcileDeviceAsync("disk1", _ct);

        Assert.Equal((AttachOutcome.AlreadyAttached, 7), (result.Outcome, result.Lun));
        Assert.Empty(_harness.LunAdds);
    }

    [Fact]
    public async Task Concurrent_reconciles_of_one_device_add_it_once()
    {
        AttachManager manager = _harness.Manager(AgentHarness.IscsiAuto());
        Model.RegisterDevice("disk1");

        AttachResult[] results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => manager.ReconcileDeviceAsync("disk1", _ct)));

        Assert.Single(results, r => r.Outcome == AttachOutcome.Attached);
        Assert.Single(_harness.LunAdds);
    }

    // ---- SCST's answers ----

    [Fact]
    public async Task A_queued_add_is_followed_to_its_result()
    {
        AttachManager manager = _harness.Manager(AgentHarness.IscsiAuto());
        Model.RegisterDevice("disk1");
        Model.QueueNextWrite(IscsiLunMgmt, pendingReads: 4);

        AttachResult result = await manager.ReconcileDeviceAsync("disk1", _ct);

        Assert.Equal((AttachOutcome.Attached, 0, 1), (result.Outcome, result.Lun, result.Attempts));
    }

    [Fact]
    public async Task A_queued_add_that_fails_is_retried()
    {
        AttachManager manager = _harness.Manager(AgentHarness.IscsiAuto());
        Model.RegisterDevice("disk1");
        Model.QueueNextWrite(IscsiLunMgmt, pendingReads: 2, result: SysfsErrno.ENOMEM);

        AttachResult result = await manager.ReconcileDeviceAsync("disk1", _ct);

        Assert.Equal((AttachOutcome.Attached, 2), (result.Outcome, result.Attempts));
    }

    [Fact]
    public async Task Eexist_for_an_auto_lun_takes_the_next_free_number()
    {
        AttachManager manager = _harness.Manager(AgentHarness.IscsiAuto());
        Model.RegisterDevice("disk1");
        Model.RegisterDevice("other");

        // Another writer takes LUN 0 between the agent's listing and its add.
        Model.BeforeWrite = (path, _) =>
        {
            Model.BeforeWrite = null;
            Model.AddLun("iscsi", Iqn, null, 0, "other");
        };

        AttachResult result = await manager.ReconcileDeviceAsync("disk1", _ct);

        Assert.Equal((AttachOutcome.Attached, 1, 2), (result.Outcome, result.Lun, result.Attempts));
        Assert.Equal(SysfsErrno.EEXIST, _harness.LunAdds[0].Result);
        Assert.Equal(new Dictionary<int, string> { [0] = "other", [1] = "disk1" }, Model.Luns("iscsi", Iqn));
    }

    [Fact]
    public async Task A_device_that_vanishes_during_its_add_is_reported()
    {
        AttachManager manager = _harness.Manager(AgentHarness.IscsiAuto());
        Model.RegisterDevice("disk1");
        Model.BeforeWrite = (_, _) =>
        {
            Model.BeforeWrite = null;
            Model.UnregisterDevice("disk1");
        };

        AttachResult result = await manager.ReconcileDeviceAsync("disk1", _ct);

        Assert.Equal(AttachOutcome.DeviceNotFound, result.Outcome);
        Assert.Equal("device_gone", result.Reason);
        Assert.Contains("ENOENT", result.Error, StringComparison.Ordinal);
        Assert.Equal(1, result.Attempts);
        Assert.Equal(DeviceAttachState.Gone, manager.Status.Devices.Single().State);
    }

    [Fact]
    public async Task A_device_that_is_not_registered_is_reported_without_writes()
    {
        AttachManager manager = _harness.Manager(AgentHarness.IscsiAuto());

        AttachResult result = await manager.ReconcileDeviceAsync("disk9", _ct);

        Assert.Equal(AttachOutcome.DeviceNotFound, result.Outcome);
        Assert.Empty(Model.Writes);
    }

    [Fact]
    public async Task Transient_failures_are_retried_with_back_off()
    {
        AttachManager manager = _harness.Manager(AgentHarness.IscsiAuto());
        Model.RegisterDevice("disk1");
        Model.FailNextWrite(IscsiLunMgmt, SysfsErrno.EBUSY);

        AttachResult result = await manager.ReconcileDeviceAsync("disk1", _ct);

        Assert.Equal((AttachOutcome.Attached, 0, 2), (result.Outcome, result.Lun, result.Attempts));
        Assert.Equal(2, manager.Status.Devices.Single().Attempts);
    }

    [Fact]
    public async Task Persistent_failures_give_up_after_the_configured_attempts()
    {
        AttachManager manager = _harness.Manager(
            AgentHarness.IscsiAuto(),
            options: new AttachManagerOptions { MaxAttempts = 3, InitialBackoff = TimeSpan.FromMilliseconds(1), MaxBackoff = TimeSpan.FromMilliseconds(2) });
        Model.RegisterDevice("disk1");
        Model.BeforeWrite = (path, _) => Model.FailNextWrite(path, SysfsErrno.EIO);

        AttachResult result = await manager.ReconcileDeviceAsync("disk1", _ct);

        Assert.Equal(AttachOutcome.Failed, result.Outcome);
        Assert.Equal("eio", result.Reason);
        Assert.Equal(3, result.Attempts);
        Assert.Contains("gave up after 3 attempts", result.Error, StringComparison.Ordinal);
        DeviceAttachStatus status = manager.Status.Devices.Single();
        Assert.Equal((DeviceAttachState.Failed, 3), (status.State, status.Attempts));
        Assert.Contains("EIO", status.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Einval_is_not_retried()
    {
        AttachManager manager = _harness.Manager(AgentHarness.IscsiAuto());
        Model.RegisterDevice("disk1");
        Model.FailNextWrite(IscsiLunMgmt, SysfsErrno.EINVAL);

        AttachResult result = await manager.ReconcileDeviceAsync("disk1", _ct);

        Assert.Equal((AttachOutcome.Failed, "einval", 1), (result.Outcome, result.Reason, result.Attempts));
    }

    [Fact]
    public async Task A_missing_target_is_retried_until_it_appears()
    {
        const string Port = "21:00:00:00:00:00:00:42";
        var policy = new AttachPolicy { Rules = [new AttachRule { DevicePattern = "*", Driver = "qla2x00t", Target = Port }] };
        AttachManager manager = _harness.Manager(
            policy,
            options: new AttachManagerOptions { MaxAttempts = 1000, InitialBackoff = TimeSpan.FromMilliseconds(5), MaxBackoff = TimeSpan.FromMilliseconds(5) });
        Model.RegisterDevice("disk1");

        Task<AttachResult> reconcile = manager.ReconcileDeviceAsync("disk1", _ct);
        while (manager.Status.Devices.SingleOrDefault()?.LastError?.Contains("does not exist", StringComparison.Ordinal) != true)
        {
            await Task.Delay(1, _ct);
        }

        Model.AddTarget("qla2x00t", Port); // the FC driver finished loading
        AttachResult result = await reconcile;

        Assert.Equal((AttachOutcome.Attached, 0), (result.Outcome, result.Lun));
        Assert.Null(manager.Status.Devices.Single().LastError);
    }

    [Fact]
    public async Task A_hanging_add_times_out_with_a_clear_error()
    {
        AttachManager manager = _harness.Manager(
            AgentHarness.IscsiAuto(),
            sysfs: AgentHarness.FastSysfs with { WriteTimeout = TimeSpan.FromMilliseconds(150) },
            options: new AttachManagerOptions { MaxAttempts = 1 });
        Model.RegisterDevice("disk1");
        Model.HangNextWrite(IscsiLunMgmt, TimeSpan.FromSeconds(30));

        AttachResult result = await manager.ReconcileDeviceAsync("disk1", _ct);

        Assert.Equal((AttachOutcome.Failed, "timeout"), (result.Outcome, result.Reason));
        Assert.Contains("did not return within 0.15 s", result.Error, StringComparison.Ordinal);
        Assert.Equal(1, manager.Status.HungWrites);
        Model.ReleaseHangs();
    }

    // ---- Devices without a rule ----

    [Fact]
    public async Task A_device_matching_no_rule_is_logged_once_and_counted()
    {
        var logger = new CapturingLogger<AttachManager>();
        AttachManager manager = _harness.Manager(AgentHarness.IscsiAuto(), logger);
        using var metrics = new MetricRecorder(manager.Metrics.Meter);
        Model.RegisterDevice("scratch");

        AttachResult first = await manager.ReconcileDeviceAsync("scratch", _ct);
        AttachResult second = await manager.ReconcileDeviceAsync("scratch", _ct);
        await manager.StartupAsync(_ct);

        Assert.Equal(AttachOutcome.NoMatchingRule, first.Outcome);
        Assert.Equal(AttachOutcome.NoMatchingRule, second.Outcome);
        var logged = Assert.Single(logger.Entries, e => e.Message.Contains("scratch", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Information, logged.Level);
        Assert.Contains("matches no attach rule", logged.Message, StringComparison.Ordinal);
        Assert.Equal(1, metrics.Sum("userdisk_platform_unmatched_devices"));
        Assert.Empty(_harness.LunAdds);
        Assert.Equal(DeviceAttachState.Unmatched, manager.Status.Devices.Single().State);
    }

    // ---- Bookkeeping ----

    [Fact]
    public async Task Remove_stale_forgets_vanished_devices_but_keeps_their_numbers()
    {
        AttachManager manager = _harness.Manager(AgentHarness.IscsiAuto());
        Model.RegisterDevice("disk1");
        Model.RegisterDevice("disk2");
        await manager.StartupAsync(_ct);
        Model.UnregisterDevice("disk1");

        IReadOnlyList<StaleLun> stale = await manager.RemoveStaleAsync(_ct);
        IReadOnlyList<StaleLun> again = await manager.RemoveStaleAsync(_ct);

        StaleLun only = Assert.Single(stale);
        Assert.Equal(("disk1", 0, false, false), (only.Mapping.Device, only.Mapping.Lun, only.Mapping.Added, only.Deleted));
        Assert.Empty(again);
        Assert.Contains(manager.Status.Mappings, m => m is { Device: "disk1", Lun: 0, Added: false });
        Assert.Equal(DeviceAttachState.Gone, manager.Status.Devices.Single(d => d.Device == "disk1").State);
        Assert.DoesNotContain(Model.Writes, w => w.Text.StartsWith("del", StringComparison.Ordinal));

        Model.RegisterDevice("disk1");
        Assert.Equal(0, (await manager.ReconcileDeviceAsync("disk1", _ct)).Lun);
    }

    [Fact]
    public async Task Remove_stale_never_touches_luns_it_did_not_add()
    {
        var policy = new AttachPolicy { Rules = [new AttachRule { DevicePattern = "disk1", Driver = "iscsi", Target = Iqn }] };
        Model.RegisterDevice("disk1");
        Model.AddLun("iscsi", Iqn, null, 0, "disk1"); // scstadmin's, found by the agent
        AttachManager manager = _harness.Manager(policy);
        await manager.StartupAsync(_ct);
        Model.UnregisterDevice("disk1");

        Assert.Empty(await manager.RemoveStaleAsync(_ct));
    }

    [Fact]
    public async Task The_state_file_is_json_written_atomically()
    {
        AttachManager manager = _harness.Manager(AgentHarness.IscsiAuto(readOnly: true));
        Model.RegisterDevice("disk1");

        await manager.ReconcileDeviceAsync("disk1", _ct);

        Assert.Equal([_harness.StatePath], Directory.GetFiles(_harness.Directory.Path));
        using JsonDocument json = JsonDocument.Parse(await File.ReadAllTextAsync(_harness.StatePath, _ct));
        JsonElement mapping = json.RootElement.GetProperty("mappings")[0];
        Assert.Equal(1, json.RootElement.GetProperty("version").GetInt32());
        Assert.Equal("disk1", mapping.GetProperty("device").GetString());
        Assert.Equal(Iqn, mapping.GetProperty("target").GetString());
        Assert.Equal(0, mapping.GetProperty("lun").GetInt32());
        Assert.True(mapping.GetProperty("read_only").GetBoolean());
        Assert.True(mapping.GetProperty("added").GetBoolean());
    }

    [Fact]
    public async Task A_corrupt_state_file_is_moved_aside_and_the_agent_starts()
    {
        await File.WriteAllTextAsync(_harness.StatePath, "{ not json", _ct);
        var logger = new CapturingLogger<AttachManager>();

        AttachManager manager = _harness.Manager(AgentHarness.IscsiAuto(), logger);
        Model.RegisterDevice("disk1");

        Assert.Equal(AttachOutcome.Attached, (await manager.ReconcileDeviceAsync("disk1", _ct)).Outcome);
        Assert.True(File.Exists(_harness.StatePath + ".corrupt"));
        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Error && e.Message.Contains("unreadable", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Metrics_count_attempts_successes_and_failures_by_reason()
    {
        AttachManager manager = _harness.Manager(AgentHarness.IscsiAuto());
        using var metrics = new MetricRecorder(manager.Metrics.Meter);
        Model.RegisterDevice("disk1");
        Model.FailNextWrite(IscsiLunMgmt, SysfsErrno.EBUSY);

        await manager.ReconcileDeviceAsync("disk1", _ct);

        Assert.Equal(2, metrics.Sum("userdisk_platform_attach_attempts", "driver=iscsi"));
        Assert.Equal(1, metrics.Sum("userdisk_platform_attach_successes", "driver=iscsi"));
        Assert.Equal(1, metrics.Sum("userdisk_platform_attach_failures", "reason=ebusy"));
    }

    [Fact]
    public async Task Status_shows_each_device_with_its_mapping()
    {
        AttachManager manager = _harness.Manager(AgentHarness.IscsiAuto());
        Model.RegisterDevice("disk1");

        await manager.ReconcileDeviceAsync("disk1", _ct);

        DeviceAttachStatus status = Assert.Single(manager.Status.Devices);
        Assert.Equal(("disk1", DeviceAttachState.Attached, "iscsi", Iqn, (string?)null, (int?)0, 1, (string?)null),
            (status.Device, status.State, status.Driver, status.Target, status.Group, status.Lun, status.Attempts, status.LastError));
        Assert.Single(manager.Status.Mappings);
    }
}
