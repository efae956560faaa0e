using UserDisk.Platform.Attach;

namespace UserDisk.Platform.Tests;

public sealed class AttachPolicyTests
{
    [Theory]
    [InlineData("disk*", "disk1", true)]
    [InlineData("disk*", "disk", true)]
    [InlineData("disk*", "xdisk1", false)]
    [InlineData("disk?", "disk1", true)]
    [InlineData("disk?", "disk12", false)]
    [InlineData("*-ro", "images-ro", true)]
    [InlineData("*-ro", "images-rw", false)]
    [InlineData("a*b*c", "aXXbYYc", true)]
    [InlineData("a*b*c", "aXXbYY", false)]
    [InlineData("*", "anything", true)]
    [InlineData("Disk1", "disk1", false)]
    public void Device_patterns_are_case_sensitive_globs_over_the_whole_name(string pattern, string device, bool matches) =>
        Assert.Equal(matches, new AttachRule { DevicePattern = pattern, Driver = "iscsi", Target = "t" }.Matches(device));

    [Fact]
    public void The_first_matching_rule_wins()
    {
        var policy = new AttachPolicy
        {
            Rules =
            [
                new AttachRule { DevicePattern = "img-*", Driver = "qla2x00t", Target = "a", ReadOnly = true },
                new AttachRule { DevicePattern = "*", Driver = "iscsi", Target = "b" },
            ],
        };

        Assert.Equal("a", policy.Match("img-1")?.Target);
        Assert.Equal("b", policy.Match("disk1")?.Target);
    }

    [Fact]
    public void A_valid_policy_has_no_errors()
    {
        var policy = new AttachPolicy
        {
            Rules =
            [
                new AttachRule { DevicePattern = "disk*", Driver = "iscsi", Target = "iqn.2024-01.example:t1", Lun = "auto" },
                new AttachRule { DevicePattern = "boot", Driver = "qla2x00t", Target = "21:00:00:24:ff:00:00:01", Group = "hosts", Lun = "0" },
                new AttachRule { DevicePattern = "last", Driver = "scst_local", Target = "scst_local_tgt", Lun = "16383" },
            ],
            Targets = [new AttachTarget { Driver = "iscsi", Target = "iqn.2024-01.example:t1" }],
            Groups = [new AttachGroup { Driver = "qla2x00t", Target = "21:00:00:24:ff:00:00:01", Group = "hosts", Initiators = ["21:00:00:24:ff:aa:bb:*"] }],
        };

        Assert.Empty(policy.Validate());
    }

    [Fact]
    public void Validation_messages_name_the_item()
    {
        var policy = new AttachPolicy
        {
            Rules =
            [
                new AttachRule { DevicePattern = "disk*", Driver = "iscsi", Target = "t" },
                new AttachRule { DevicePattern = "x*", Driver = "iscsi", Target = "t", Lun = "x" },
                new AttachRule { DevicePattern = "", Driver = "", Target = "a/b", Lun = "16384" },
            ],
            Targets = [new AttachTarget { Driver = "iscsi", Target = "" }],
            Groups = [new AttachGroup { Driver = "iscsi", Target = "t", Group = "my group", Initiators = ["iqn.ok", " "] }],
        };

        IReadOnlyList<string> errors = policy.Validate();

        Assert.Contains("Rules[1].Lun: 'x' is not auto or 0..16383", errors);
        Assert.Contains("Rules[2].Lun: '16384' is not auto or 0..16383", errors);
        Assert.Contains("Rules[2].DevicePattern: empty", errors);
        Assert.Contains("Rules[2].Driver: empty", errors);
        Assert.Contains(errors, e => e.StartsWith("Rules[2].Target: 'a/b'", StringComparison.Ordinal));
        Assert.Contains("Targets[0].Target: empty", errors);
        Assert.Contains(errors, e => e.StartsWith("Groups[0].Group: 'my group'", StringComparison.Ordinal));
        Assert.Contains("Groups[0].Initiators[1]: empty", errors);
        Assert.DoesNotContain(errors, e => e.StartsWith("Rules[0]", StringComparison.Ordinal));
    }

    [Fact]
    public void An_attach_manager_refuses_an_invalid_policy_with_the_errors()
    {
        using var harness = new AgentHarness();
        var policy = new AttachPolicy { Rules = [new AttachRule { DevicePattern = "d", Driver = "iscsi", Target = "t", Lun = "-1" }] };

        var e = Assert.Throws<ArgumentException>(() => harness.Manager(policy));

        Assert.Contains("Rules[0].Lun: '-1' is not auto or 0..16383", e.Message, StringComparison.Ordinal);
    }
}
