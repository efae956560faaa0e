using System.Net;
using UserDisk.Server.Configuration;
using UserDisk.Storage;

namespace UserDisk.Server.Tests;

public sealed class UserDiskOptionsReaderTests
{
    [Fact]
    public void Minimal_configuration_reads_with_defaults()
    {
        OptionsReadResult result = TestConfiguration.Read(new ReaderSettings { CurrentDirectory = "/srv" });

        UserDiskOptions options = Assert.IsType<UserDiskOptions>(result.Options);
        Assert.Empty(result.Problems);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 9090), options.Http);
        Assert.Equal(TimeSpan.FromSeconds(10), options.ShutdownTimeout);
        Assert.Equal(FrontendKind.Auto, options.Frontend);
        Assert.Equal("/srv/.data", options.DataDir);
        TargetOptions target = Assert.Single(options.Targets);
        Assert.Equal("iqn.2026-11.io.userdisk:test", target.Name);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 3260), target.Portal);
        Assert.Null(target.Chap);
        LunOptions lun = Assert.Single(target.Luns);
        Assert.Equal(0UL, lun.Number);
        Assert.Equal("lun0", lun.Name);
        Assert.Equal(BackstoreKind.Memory, lun.BackstoreUri.Kind);
        Assert.False(lun.ReadOnly);
    }

    [Fact]
    public void Every_setting_is_read()
    {
        OptionsReadResult result = TestConfiguration.Read(
            ("UserDisk:Http", "[::1]:9100"),
            ("UserDisk:ShutdownTimeout", "00:00:30"),
            ("UserDisk:Frontend", "ISCSI"),
            ("UserDisk:DataDir", "/var/lib/userdisk"),
            ("UserDisk:Targets:0:Alias", "test disk"),
            ("UserDisk:Targets:0:Portal", "0.0.0.0:3261"),
            ("UserDisk:Targets:0:Luns:0:Name", "scratch"),
            ("UserDisk:Targets:0:Luns:0:ReadOnly", "true"),
            ("UserDisk:Targets:0:Luns:0:BlockSize", "4096"));

        UserDiskOptions options = Assert.IsType<UserDiskOptions>(result.Options);
        Assert.Equal(new IPEndPoint(IPAddress.IPv6Loopback, 9100), options.Http);
        Assert.Equal(TimeSpan.FromSeconds(30), options.ShutdownTimeout);
        Assert.Equal(FrontendKind.Iscsi, options.Frontend);
        Assert.Equal("/var/lib/userdisk", options.DataDir);
        TargetOptions target = Assert.Single(options.Targets);
        Assert.Equal("test disk", target.Alias);
        Assert.Equal(new IPEndPoint(IPAddress.Any, 3261), target.Portal);
        LunOptions lun = Assert.Single(target.Luns);
        Assert.Equal("scratch", lun.Name);
        Assert.True(lun.ReadOnly);
        Assert.Equal(4096, lun.BackstoreUri.BlockSize);
        Assert.Equal("UserDisk:Targets:0:Luns:0", lun.ConfigurationKey);
    }

    [Fact]
    public void No_targets_is_an_error_naming_the_targets_key()
    {
        OptionsReadResult result = UserDiskOptionsReader.Read(TestConfiguration.Build([]));

        ConfigurationProblem error = result.SingleError("UserDisk:Targets");
        Assert.Contains("no targets", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("disk1", "no iqn., eui. or naa. prefix")]
    [InlineData("iqn.2026-11.io.userdisk:Disk", "upper-case")]
    [InlineData("iqn.26-11.io.userdisk", "date YYYY-MM")]
    [InlineData("iqn.2026-13.io.userdisk", "date YYYY-MM")]
    [InlineData("iqn.2026-11", "no reversed domain")]
    [InlineData("iqn.2026-11.io..userdisk", "invalid reversed domain")]
    [InlineData("iqn.2026-11.io.userdisk:disk_1", "contains '_'")]
    [InlineData("eui.0123", "16 hex digits")]
    [InlineData("naa.0123456789abcdefg", "16 or 32 hex digits")]
    public void Malformed_target_name_is_an_error_naming_the_name_key_and_the_reason(string name, string reason)
    {
        OptionsReadResult result = TestConfiguration.Read(("UserDisk:Targets:0:Name", name));

        ConfigurationProblem error = result.SingleError("UserDisk:Targets:0:Name");
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.Contains(name, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_target_name_is_an_error()
    {
        OptionsReadResult result = TestConfiguration.Read(("UserDisk:Targets:0:Name", null));

        ConfigurationProblem error = result.SingleError("UserDisk:Targets:0:Name");
        Assert.Contains("iSCSI name", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Duplicate_target_names_are_an_error_on_the_second()
    {
        OptionsReadResult result = TestConfiguration.Read(
            ("UserDisk:Targets:1:Name", "iqn.2026-11.io.userdisk:test"),
            ("UserDisk:Targets:1:Luns:0:Number", "0"),
            ("UserDisk:Targets:1:Luns:0:Backstore", "null:1G"));

        ConfigurationProblem error = result.SingleError("UserDisk:Targets:1:Name");
        Assert.Contains("UserDisk:Targets:0:Name", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Duplicate_lun_numbers_are_an_error_naming_both_keys()
    {
        OptionsReadResult result = TestConfiguration.Read(
            ("UserDisk:Targets:0:Luns:1:Number", "0"),
            ("UserDisk:Targets:0:Luns:1:Backstore", "memory:1M"));

        ConfigurationProblem error = result.SingleError("UserDisk:Targets:0:Luns:1:Number");
        Assert.Contains("LUN 0 is also used at UserDisk:Targets:0:Luns:0:Number", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("16384", "above 16383")]
    [InlineData("-1", "not a LUN number")]
    [InlineData("zero", "not a LUN number")]
    public void Lun_number_outside_0_to_16383_is_an_error(string number, string reason)
    {
        OptionsReadResult result = TestConfiguration.Read(("UserDisk:Targets:0:Luns:0:Number", number));

        ConfigurationProblem error = result.SingleError("UserDisk:Targets:0:Luns:0:Number");
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Lun_16383_is_accepted()
    {
        OptionsReadResult result = TestConfiguration.Read(("UserDisk:Targets:0:Luns:0:Number", "16383"));

        Assert.Equal(16383UL, Assert.Single(Assert.Single(result.Options!.Targets).Luns).Number);
    }

    [Theory]
    [InlineData("tape:/dev/st0")]
    [InlineData("memory:")]
    [InlineData("memory:1.5G")]
    [InlineData("file:/x?colour=blue")]
    [InlineData("null:1000")]
    public void Unparseable_backstore_is_an_error_carrying_the_parser_message(string backstore)
    {
        string expected = Assert.Throws<FormatException>(() => BackstoreUri.Parse(backstore)).Message;

        OptionsReadResult result = TestConfiguration.Read(("UserDisk:Targets:0:Luns:0:Backstore", backstore));

        ConfigurationProblem error = result.SingleError("UserDisk:Targets:0:Luns:0:Backstore");
        Assert.Equal(expected, error.Message);
    }

    [Fact]
    public void Missing_backstore_is_an_error()
    {
        OptionsReadResult result = TestConfiguration.Read(("UserDisk:Targets:0:Luns:0:Backstore", null));

        ConfigurationProblem error = result.SingleError("UserDisk:Targets:0:Luns:0:Backstore");
        Assert.Contains("needs a Backstore", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Target_without_luns_is_an_error()
    {
        OptionsReadResult result = TestConfiguration.Read(
            ("UserDisk:Targets:0:Luns:0:Number", null),
            ("UserDisk:Targets:0:Luns:0:Backstore", null));

        ConfigurationProblem error = result.SingleError("UserDisk:Targets:0:Luns");
        Assert.Contains("no LUNs", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("localhost:3260", "not an IP address")]
    [InlineData("127.0.0.1:65536", "not a port number")]
    [InlineData("::1:3260", "IPv6 address without brackets")]
    [InlineData("[::1", "no ']'")]
    public void Bad_portal_is_an_error_naming_the_portal_key(string portal, string reason)
    {
        OptionsReadResult result = TestConfiguration.Read(("UserDisk:Targets:0:Portal", portal));

        ConfigurationProblem error = result.SingleError("UserDisk:Targets:0:Portal");
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Portal_without_port_listens_on_3260()
    {
        OptionsReadResult result = TestConfiguration.Read(("UserDisk:Targets:0:Portal", "10.1.2.3"));

        Assert.Equal(new IPEndPoint(IPAddress.Parse("10.1.2.3"), 3260), Assert.Single(result.Options!.Targets).Portal);
    }

    [Fact]
    public void Http_endpoint_needs_a_port()
    {
        OptionsReadResult result = TestConfiguration.Read(("UserDisk:Http", "127.0.0.1"));

        ConfigurationProblem error = result.SingleError("UserDisk:Http");
        Assert.Contains("has no port", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Portal_override_replaces_every_targets_portal()
    {
        var settings = new ReaderSettings { PortalOverride = "127.0.0.1:0" };

        OptionsReadResult result = TestConfiguration.Read(
            settings,
            ("UserDisk:Targets:0:Portal", "10.0.0.1:3260"),
            ("UserDisk:Targets:1:Name", "iqn.2026-11.io.userdisk:other"),
            ("UserDisk:Targets:1:Luns:0:Number", "0"),
            ("UserDisk:Targets:1:Luns:0:Backstore", "null:1G"));

        Assert.All(result.Options!.Targets, t => Assert.Equal(new IPEndPoint(IPAddress.Loopback, 0), t.Portal));
    }

    [Fact]
    public void Bad_portal_override_is_an_error_naming_the_flag()
    {
        OptionsReadResult result = TestConfiguration.Read(new ReaderSettings { PortalOverride = "here" });

        result.SingleError("--portal");
    }

    [Fact]
    public void An_error_in_a_value_set_by_a_flag_names_the_flag()
    {
        var settings = new ReaderSettings { FlagKeys = new Dictionary<string, string> { ["UserDisk:Http"] = "--http" } };

        OptionsReadResult result = TestConfiguration.Read(settings, ("UserDisk:Http", "nowhere"));

        ConfigurationProblem error = result.SingleError("UserDisk:Http");
        Assert.EndsWith("(set by --http)", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("10", 10_000)]
    [InlineData("2.5s", 2_500)]
    [InlineData("750ms", 750)]
    [InlineData("00:01:00", 60_000)]
    public void Shutdown_timeout_accepts_seconds_milliseconds_and_timespans(string text, int milliseconds)
    {
        OptionsReadResult result = TestConfiguration.Read(("UserDisk:ShutdownTimeout", text));

        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), result.Options!.ShutdownTimeout);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("2h")]
    [InlineData("soon")]
    public void Shutdown_timeout_outside_0_to_1_hour_is_an_error(string text)
    {
        OptionsReadResult result = TestConfiguration.Read(("UserDisk:ShutdownTimeout", text));

        result.SingleError("UserDisk:ShutdownTimeout");
    }

    [Fact]
    public void Unknown_front_end_is_an_error()
    {
        OptionsReadResult result = TestConfiguration.Read(("UserDisk:Frontend", "fc"));

        ConfigurationProblem error = result.SingleError("UserDisk:Frontend");
        Assert.Contains("auto, iscsi or scst", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_setting_is_an_error_so_typos_do_not_pass_silently()
    {
        OptionsReadResult result = TestConfiguration.Read(("UserDisk:Targets:0:Luns:0:Readonly", "true"), ("UserDisk:Targets:0:Luns:0:Backstor", "x"));

        ConfigurationProblem error = result.SingleError("UserDisk:Targets:0:Luns:0:Backstor");
        Assert.Contains("unknown setting", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Block_size_sets_the_backstore_block_size()
    {
        OptionsReadResult result = TestConfiguration.Read(("UserDisk:Targets:0:Luns:0:BlockSize", "2048"));

        Assert.Equal(2048, Assert.Single(Assert.Single(result.Options!.Targets).Luns).BackstoreUri.BlockSize);
    }

    [Fact]
    public void Block_size_that_contradicts_the_backstore_string_is_an_error()
    {
        OptionsReadResult result = TestConfiguration.Read(
            ("UserDisk:Targets:0:Luns:0:Backstore", "memory:16M?blocksize=4096"),
            ("UserDisk:Targets:0:Luns:0:BlockSize", "1024"));

        ConfigurationProblem error = result.SingleError("UserDisk:Targets:0:Luns:0:BlockSize");
        Assert.Contains("blocksize=4096", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unsupported_block_size_is_an_error()
    {
        OptionsReadResult result = TestConfiguration.Read(("UserDisk:Targets:0:Luns:0:BlockSize", "520"));

        result.SingleError("UserDisk:Targets:0:Luns:0:BlockSize");
    }

    [Fact]
    public void Data_dir_placeholder_is_resolved_in_backstore_strings()
    {
        OptionsReadResult result = TestConfiguration.Read(
            new ReaderSettings { CurrentDirectory = "/work" },
            ("UserDisk:DataDir", "state"),
            ("UserDisk:Targets:0:Luns:0:Backstore", "file:{DataDir}/disk0.img?size=1G&create"));

        LunOptions lun = Assert.Single(Assert.Single(result.Options!.Targets).Luns);
        Assert.Equal("/work/state/disk0.img", lun.BackstoreUri.Path);
        Assert.Equal("file:/work/state/disk0.img?size=1G&create", lun.Backstore);
    }

    [Fact]
    public void One_file_behind_two_writable_luns_is_an_error()
    {
        OptionsReadResult result = TestConfiguration.Read(
            ("UserDisk:Targets:0:Luns:0:Backstore", "file:/srv/disk.img"),
            ("UserDisk:Targets:0:Luns:1:Number", "1"),
            ("UserDisk:Targets:0:Luns:1:Backstore", "file:/srv/disk.img?ro"));

        ConfigurationProblem error = result.SingleError("UserDisk:Targets:0:Luns:1:Backstore");
        Assert.Contains("UserDisk:Targets:0:Luns:0:Backstore", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void One_file_behind_two_read_only_luns_is_fine()
    {
        OptionsReadResult result = TestConfiguration.Read(
            ("UserDisk:Targets:0:Luns:0:Backstore", "file:/srv/disk.img?ro"),
            ("UserDisk:Targets:0:Luns:1:Number", "1"),
            ("UserDisk:Targets:0:Luns:1:Backstore", "file:/srv/disk.img"),
            ("UserDisk:Targets:0:Luns:1:ReadOnly", "true"));

        Assert.True(result.Succeeded);
    }

    [Fact]
    public void Every_error_is_reported_together_each_under_its_own_key()
    {
        OptionsReadResult result = TestConfiguration.Read(
            ("UserDisk:Http", "nowhere"),
            ("UserDisk:Targets:0:Name", "disk"),
            ("UserDisk:Targets:0:Portal", "127.0.0.1:99999"),
            ("UserDisk:Targets:0:Luns:0:Backstore", "tape:1"),
            ("UserDisk:Targets:0:Luns:1:Number", "0"),
            ("UserDisk:Targets:0:Luns:1:Backstore", "memory:1M"),
            ("UserDisk:Targets:0:Luns:2:Number", "20000"),
            ("UserDisk:Targets:0:Luns:2:Backstore", "null:1G"));

        Assert.Null(result.Options);
        Assert.Equal(
            [
                "UserDisk:Http",
                "UserDisk:Targets:0:Name",
                "UserDisk:Targets:0:Portal",
                "UserDisk:Targets:0:Luns:0:Backstore",
                "UserDisk:Targets:0:Luns:1:Number",
                "UserDisk:Targets:0:Luns:2:Number",
            ],
            result.Errors.Select(e => e.Key).ToArray());
    }

    [Fact]
    public void Keys_are_reported_in_canonical_case_whatever_case_the_source_used()
    {
        OptionsReadResult result = TestConfiguration.Read(("UserDisk:Targets:0:Luns:0:Number", null), ("USERDISK:TARGETS:0:LUNS:0:NUMBER", "x"));

        result.SingleError("UserDisk:Targets:0:Luns:0:Number");
    }

    [Fact]
    public void A_section_where_a_value_belongs_is_an_error()
    {
        OptionsReadResult result = TestConfiguration.Read(("UserDisk:Http:Port", "80"));

        ConfigurationProblem error = result.SingleError("UserDisk:Http");
        Assert.Contains("single value", error.Message, StringComparison.Ordinal);
    }
}
