using System.Diagnostics;
using UserDisk.Platform.Attach;
using UserDisk.Platform.Sysfs;

namespace UserDisk.Platform.Tests;

/// <summary><see cref="AttachManager.ReadStatusAsync"/>: devices and mappings with the sessions read from sysfs.</summary>
public sealed class AttachStatusTests : IDisposable
{
    private const string Iqn = AgentHarness.Iqn;
    private const string Host1 = "iqn.1994-05.com.redhat:host1";

    private readonly AgentHarness _harness = new();
    private readonly CancellationToken _ct = TestContext.Current.CancellationToken;

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task Status_lists_the_sessions_of_the_targets_the_policy_names_and_what_they_see()
    {
        _harness.Model.RegisterDevice("disk1");
        string session = _harness.Model.LogIn("iscsi", Iqn, Host1);
        _harness.Model.LogIn("qla2x00t", AgentHarness.Wwpn, "21:00:00:24:ff:aa:00:01"); // a target the agent does not manage
        AttachManager manager = _harness.Manager(AgentHarness.IscsiAuto());
        await manager.StartupAsync(_ct);

        AttachStatus status = await manager.ReadStatusAsync(_ct);

        Assert.Equal("disk1", Assert.Single(status.Devices).Device);
        ScstSession listed = Assert.Single(status.Sessions);
        Assert.Equal(("iscsi", Iqn, session, Host1), (listed.Driver, listed.Target, listed.Session, listed.Initiator));
        Assert.Equal([0], listed.Luns); // the LUN the agent added reached the logged-in session, as in the kernel
        Assert.Equal(0, listed.ActiveCommands);
        Assert.Empty(status.SessionErrors);
        Assert.Empty(manager.Status.Sessions); // the synchronous snapshot never reads sysfs
    }

    [Fact]
    public async Task A_session_attribute_that_cannot_be_read_is_an_error_item_not_a_failed_status()
    {
        string session = _harness.Model.LogIn("iscsi", Iqn, Host1);
        string path = $"targets/iscsi/{Iqn}/sessions/{session}/initiator_name";
        _harness.Model.FailNextRead(path, SysfsErrno.EIO);
        AttachManager manager = _harness.Manager(AgentHarness.IscsiAuto());

        AttachStatus status = await manager.ReadStatusAsync(_ct);

        Assert.Equal(Host1, Assert.Single(status.Sessions).Initiator); // the directory name stands in
        Assert.Equal($"{path}: {SysfsException.Describe(SysfsErrno.EIO)}", Assert.Single(status.SessionErrors));
    }

    [Fact]
    public async Task A_session_read_stuck_in_the_kernel_is_given_up_and_later_requests_do_not_wait_for_it_again()
    {
        _harness.Model.RegisterDevice("disk1");
        string session = _harness.Model.LogIn("iscsi", Iqn, Host1);
        _harness.Model.HangNextRead($"targets/iscsi/{Iqn}/sessions/{session}/active_commands", TimeSpan.FromSeconds(30));
        AttachManager manager = _harness.Manager(AgentHarness.IscsiAuto(), sysfs: AgentHarness.FastSysfs with { ReadTimeout = TimeSpan.FromSeconds(1) });
        await manager.StartupAsync(_ct);

        var first = Stopwatch.StartNew();
        AttachStatus stuck = await manager.ReadStatusAsync(_ct);
        first.Stop();
        var second = Stopwatch.StartNew();
        AttachStatus stillStuck = await manager.ReadStatusAsync(_ct);
        second.Stop();

        Assert.InRange(first.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(10));
        Assert.Equal("disk1", Assert.Single(stuck.Devices).Device); // the rest of the status is there
        Assert.Empty(stuck.Sessions);
        Assert.StartsWith("sessions not read: sysfs has not answered for", Assert.Single(stuck.SessionErrors), StringComparison.Ordinal);
        Assert.True(second.Elapsed < TimeSpan.FromSeconds(0.5), $"the second request waited {second.Elapsed} for a read already known to be stuck");
        Assert.Single(stillStuck.SessionErrors);

        // Once the kernel lets the read go, the next request reads afresh.
        _harness.Model.ReleaseHangs();
        AttachStatus recovered = await manager.ReadStatusAsync(_ct);
        for (int i = 0; i < 100 && recovered.Sessions.Count == 0; i++)
        {
            await Task.Delay(20, _ct); // the abandoned listing may still be finishing
            recovered = await manager.ReadStatusAsync(_ct);
        }

        Assert.Equal(session, Assert.Single(recovered.Sessions).Session);
        Assert.Empty(recovered.SessionErrors);
    }
}
