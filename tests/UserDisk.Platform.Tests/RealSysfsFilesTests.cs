using UserDisk.Platform.Sysfs;

namespace UserDisk.Platform.Tests;

/// <summary><see cref="RealSysfsFiles"/> on a directory laid out like /sys/kernel/scst_tgt, with real symbolic links.</summary>
public sealed class RealSysfsFilesTests : IDisposable
{
    private readonly TempDirectory _root = new();
    private readonly RealSysfsFiles _files;

    public RealSysfsFilesTests()
    {
        string target = "targets/iscsi/iqn.2024-01.example:t1";
        Directory.CreateDirectory(_root.File("devices/disk1"));
        Directory.CreateDirectory(_root.File("handlers/disk1"));
        File.WriteAllText(_root.File("devices/disk1/commands"), "");
        File.CreateSymbolicLink(_root.File("devices/disk1/handler"), "../../handlers/disk1");
        Directory.CreateDirectory(_root.File($"{target}/luns/0"));
        File.WriteAllText(_root.File($"{target}/luns/mgmt"), "Usage: ...\n");
        File.CreateSymbolicLink(_root.File($"{target}/luns/0/device"), "../../../../../devices/disk1");
        File.WriteAllText(_root.File($"{target}/enabled"), "1\n[key]\n");
        _files = new RealSysfsFiles(_root.Path);
    }

    public void Dispose() => _root.Dispose();

    [Fact]
    public void Links_read_as_their_target_and_lun_tables_resolve_through_them()
    {
        Assert.Equal("../../../../../devices/disk1", _files.Read("targets/iscsi/iqn.2024-01.example:t1/luns/0/device"));

        var sysfs = new ScstSysfs(_files);
        Assert.Equal(new Dictionary<int, string> { [0] = "disk1" }, sysfs.ListLuns("iscsi", "iqn.2024-01.example:t1"));
        Assert.True(sysfs.IsUserDevice("disk1"));
        Assert.Equal("1", sysfs.ReadAttribute("targets/iscsi/iqn.2024-01.example:t1/enabled"));
    }

    [Fact]
    public void Listing_gives_entry_names()
    {
        Assert.Equal(["0", "mgmt"], _files.List("targets/iscsi/iqn.2024-01.example:t1/luns").Order());
        Assert.Equal(SysfsErrno.ENOENT, Assert.Throws<SysfsException>(() => _files.List("nope")).Errno);
    }

    [Fact]
    public void A_write_is_one_write_of_the_whole_text()
    {
        _files.Write("targets/iscsi/iqn.2024-01.example:t1/luns/mgmt", "add disk2 1\n");

        Assert.Equal("add disk2 1\n", File.ReadAllText(_root.File("targets/iscsi/iqn.2024-01.example:t1/luns/mgmt")));
    }

    [Fact]
    public void Write_failures_carry_errno()
    {
        var missing = Assert.Throws<SysfsWriteException>(() => _files.Write("targets/iscsi/nope/luns/mgmt", "add disk1 0\n"));
        var directory = Assert.Throws<SysfsWriteException>(() => _files.Write("devices/disk1", "x"));

        Assert.Equal(SysfsErrno.ENOENT, missing.Errno);
        Assert.Equal(SysfsErrno.EISDIR, directory.Errno);
        Assert.Equal(SysfsErrno.ENOENT, Assert.Throws<SysfsException>(() => _files.Read("nope")).Errno);
    }

    [Fact]
    public void Existence_covers_files_directories_and_links()
    {
        Assert.True(_files.Exists("devices/disk1"));
        Assert.True(_files.Exists("devices/disk1/handler"));
        Assert.True(_files.Exists("devices/disk1/commands"));
        Assert.False(_files.Exists("devices/disk2"));
    }

    [Fact]
    public void Sessions_on_a_real_tree_name_their_group_through_the_luns_link()
    {
        string target = "targets/iscsi/iqn.2024-01.example:t1";
        string session = $"{target}/sessions/iqn.1994-05.com.redhat:host1";
        Directory.CreateDirectory(_root.File($"{target}/ini_groups/hosts/luns"));
        Directory.CreateDirectory(_root.File($"{session}/lun0"));
        File.WriteAllText(_root.File($"{session}/initiator_name"), "iqn.1994-05.com.redhat:host1\n");
        File.WriteAllText(_root.File($"{session}/active_commands"), "2\n");
        File.CreateSymbolicLink(_root.File($"{session}/luns"), "../../ini_groups/hosts/luns");
        File.WriteAllText(_root.File($"{target}/sessions/not-a-session"), "");

        SessionListing listing = new ScstSysfs(_files).ListSessions("iscsi", "iqn.2024-01.example:t1");

        Assert.Empty(listing.Errors);
        ScstSession listed = Assert.Single(listing.Sessions);
        Assert.Equal(("iqn.1994-05.com.redhat:host1", "hosts", 2L, null), (listed.Initiator, listed.Group, listed.ActiveCommands, listed.Commands));
        Assert.Equal([0], listed.Luns);
    }
}
