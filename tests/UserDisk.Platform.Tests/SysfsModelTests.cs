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
}
