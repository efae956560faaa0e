using UserDisk.Platform.Sysfs;

namespace UserDisk.Platform.Tests;

/// <summary>The model behaves like SCST where the agent depends on it.</summary>
public sealed class SysfsModelTests
{
    private const string Luns = "targets/iscsi/" + AgentHarness.Iqn + "/luns/mgmt";

    [Theory]
    [InlineData("add disk1 16384\n", SysfsErrno.EINVAL)]
    [InlineData("add disk1\n", SysfsErrno.EINVAL)]
    [InlineData("add disk1 x\n", SysfsErrno.EINVAL)]
    [InlineData("add disk1 0 read_only=2\n", SysfsErrno.EINVAL)]
    [InlineData("add disk1 0 nonsense=1\n", SysfsErrno.EINVAL)]
    [InlineData("frobnicate\n", SysfsErrno.EINVAL)]
    [InlineData("add nosuchdevice 0\n", SysfsErrno.ENOENT)]
    [InlineData("del 7\n", SysfsErrno.ENOENT)]
    public void Lun_mgmt_answers_like_the_kernel(string command, SysfsErrno errno)
    {
        using var harness = new AgentHarness();
        harness.Model.RegisterDevice("disk1");

        var e = Assert.Throws<SysfsWriteException>(() => harness.Model.Write(Luns, command));

        Assert.Equal(errno, e.Errno);
    }

    [Fact]
    public void Adding_to_a_taken_lun_answers_eexist()
    {
        using var harness = new AgentHarness();
        harness.Model.RegisterDevice("disk1");
        harness.Model.RegisterDevice("disk2");
        harness.Model.Write(Luns, "add disk1 0\n");

        var e = Assert.Throws<SysfsWriteException>(() => harness.Model.Write(Luns, "add disk2 0\n"));

        Assert.Equal(SysfsErrno.EEXIST, e.Errno);
    }

    [Fact]
    public void Unregistering_a_device_deletes_every_lun_that_uses_it()
    {
        using var harness = new AgentHarness();
        var removed = new List<(string, int, string)>();
        harness.Model.OnLunRemoved = (driver, _, _, lun, device) => removed.Add((driver, lun, device));
        harness.Model.RegisterDevice("disk1");
        harness.Model.RegisterDevice("disk2");
        harness.Model.AddLun("iscsi", AgentHarness.Iqn, null, 0, "disk1");
        harness.Model.AddLun("iscsi", AgentHarness.Iqn, null, 1, "disk2");
        harness.Model.AddLun("scst_local", AgentHarness.LocalTarget, null, 0, "disk1");

        harness.Model.UnregisterDevice("disk1");

        Assert.Equal(new Dictionary<int, string> { [1] = "disk2" }, harness.Model.Luns("iscsi", AgentHarness.Iqn));
        Assert.Empty(harness.Model.Luns("scst_local", AgentHarness.LocalTarget));
        Assert.False(harness.Model.Exists("devices/disk1"));
        Assert.False(harness.Model.Exists("handlers/disk1"));
        Assert.Equal([("iscsi", 0, "disk1"), ("scst_local", 0, "disk1")], removed.Order());
    }

    [Fact]
    public void Lun_device_entries_read_like_the_kernels_links()
    {
        using var harness = new AgentHarness();
        harness.Model.RegisterDevice("disk1");
        harness.Model.AddLun("iscsi", AgentHarness.Iqn, null, 3, "disk1");

        Assert.Equal("../../../../../devices/disk1", harness.Model.Read($"targets/iscsi/{AgentHarness.Iqn}/luns/3/device"));
        Assert.Equal("../../handlers/disk1", harness.Model.Read("devices/disk1/handler"));
    }

    [Fact]
    public async Task Lun_adds_by_mgmt_writes_are_reported_to_on_lun_added_also_when_queued()
    {
        using var harness = new AgentHarness();
        var added = new List<(string, string, string?, int, string)>();
        harness.Model.OnLunAdded = (driver, target, group, lun, device) =>
        {
            lock (added)
            {
                added.Add((driver, target, group, lun, device));
            }
        };
        harness.Model.RegisterDevice("disk1");
        harness.Model.RegisterDevice("disk2");
        ScstSysfs sysfs = harness.Sysfs();
        await sysfs.CreateGroupAsync("iscsi", AgentHarness.Iqn, "hosts", TestContext.Current.CancellationToken);
        harness.Model.QueueNextWrite($"targets/iscsi/{AgentHarness.Iqn}/ini_groups/hosts/luns/mgmt", pendingReads: 1);

        await sysfs.AddLunAsync("iscsi", AgentHarness.Iqn, null, 0, "disk1", readOnly: false, TestContext.Current.CancellationToken);
        await sysfs.AddLunAsync("iscsi", AgentHarness.Iqn, "hosts", 0, "disk2", readOnly: false, TestContext.Current.CancellationToken);

        for (int i = 0; i < 200 && added.Count < 2; i++)
        {
            await Task.Delay(5, TestContext.Current.CancellationToken); // queued commands report from the thread pool
        }

        lock (added)
        {
            Assert.Equal([("iscsi", AgentHarness.Iqn, null, 0, "disk1"), ("iscsi", AgentHarness.Iqn, "hosts", 0, "disk2")], added);
        }
    }

    [Fact]
    public void A_login_creates_a_session_that_follows_its_lun_table()
    {
        using var harness = new AgentHarness();
        string sessions = $"targets/iscsi/{AgentHarness.Iqn}/sessions";
        harness.Model.RegisterDevice("disk1");
        harness.Model.RegisterDevice("disk2");
        harness.Model.AddLun("iscsi", AgentHarness.Iqn, null, 0, "disk1");

        string first = harness.Model.LogIn("iscsi", AgentHarness.Iqn, "iqn.1994-05.com.redhat:host1");
        string second = harness.Model.LogIn("iscsi", AgentHarness.Iqn, "iqn.1994-05.com.redhat:host1");
        harness.Model.Write(Luns, "add disk2 1\n");

        Assert.Equal("iqn.1994-05.com.redhat:host1", first);
        Assert.Equal("iqn.1994-05.com.redhat:host1_1", second);
        Assert.Equal("iqn.1994-05.com.redhat:host1\n", harness.Model.Read($"{sessions}/{second}/initiator_name"));
        Assert.Equal("../../luns", harness.Model.Read($"{sessions}/{first}/luns"));
        Assert.Equal("0\n", harness.Model.Read($"{sessions}/{first}/active_commands"));
        Assert.True(harness.Model.Exists($"{sessions}/{first}/lun0/active_commands"));
        Assert.True(harness.Model.Exists($"{sessions}/{second}/lun1/active_commands"));

        harness.Model.UnregisterDevice("disk1");
        harness.Model.LogOut("iscsi", AgentHarness.Iqn, first);

        Assert.False(harness.Model.Exists($"{sessions}/{second}/lun0"));
        Assert.Equal([second], harness.Model.Sessions("iscsi", AgentHarness.Iqn));
    }

    [Theory]
    [InlineData("IQN.1994-05.COM.REDHAT:HOST1", "hosts")] // names match without regard to case
    [InlineData("iqn.1994-05.com.redhat:other", "others")] // the first group whose patterns match wins
    [InlineData("iqn.2000-01.org.example:x", null)] // no group: the target's default table
    public void A_login_sees_the_table_of_the_first_group_whose_initiators_match(string initiator, string? group)
    {
        using var harness = new AgentHarness();
        ScstSysfs sysfs = harness.Sysfs();
        string target = $"targets/iscsi/{AgentHarness.Iqn}";
        harness.Model.Write($"{target}/ini_groups/mgmt", "create hosts\n");
        harness.Model.Write($"{target}/ini_groups/mgmt", "create others\n");
        harness.Model.Write($"{target}/ini_groups/mgmt", "create fallback\n");
        harness.Model.Write($"{target}/ini_groups/hosts/initiators/mgmt", "add iqn.1994-05.com.redhat:host?\n");
        harness.Model.Write($"{target}/ini_groups/others/initiators/mgmt", "add iqn.1994-05.com.redhat:*\n");
        harness.Model.Write($"{target}/ini_groups/fallback/initiators/mgmt", "add !iqn.2000-01.org.example:*\n");

        string session = harness.Model.LogIn("iscsi", AgentHarness.Iqn, initiator);

        Assert.Equal(group is null ? "../../luns" : $"../../ini_groups/{group}/luns", harness.Model.Read($"{target}/sessions/{session}/luns"));
        Assert.Equal(group, Assert.Single(sysfs.ListSessions("iscsi", AgentHarness.Iqn).Sessions).Group);
    }

    [Fact]
    public void Injected_read_faults_fail_or_hang_the_next_read_only()
    {
        using var harness = new AgentHarness();
        harness.Model.FailNextRead("version", SysfsErrno.EAGAIN);
        harness.Model.HangNextRead(SysfsModel.LastMgmtResult, TimeSpan.FromMilliseconds(200));

        Assert.Equal(SysfsErrno.EAGAIN, Assert.Throws<SysfsException>(() => harness.Model.Read("version")).Errno);
        Assert.Equal("3.10.0\n", harness.Model.Read("version"));
        var waited = System.Diagnostics.Stopwatch.StartNew();
        harness.Model.Read(SysfsModel.LastMgmtResult);
        Assert.True(waited.Elapsed >= TimeSpan.FromMilliseconds(150), $"the read returned after {waited.Elapsed}");
    }
}
