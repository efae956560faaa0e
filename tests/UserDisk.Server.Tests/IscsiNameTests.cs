using UserDisk.Server.Configuration;

namespace UserDisk.Server.Tests;

public sealed class IscsiNameTests
{
    [Theory]
    [InlineData("iqn.2026-11.io.userdisk:disk")]
    [InlineData("iqn.2001-04.com.example")]
    [InlineData("iqn.2001-04.com.example:storage:diskarrays-sn-a8675309")]
    [InlineData("iqn.1992-01.com.example:storage.disk2.sys1.xyz")]
    [InlineData("eui.02004567A425678D")]
    [InlineData("naa.52004567BA64678D")]
    [InlineData("naa.62004567BA64678D0123456789ABCDEF")]
    public void Valid_names_of_each_form_are_accepted(string name)
    {
        Assert.Null(IscsiName.Validate(name));
    }

    [Fact]
    public void Names_longer_than_223_bytes_are_rejected()
    {
        string name = "iqn.2026-11.io.userdisk:" + new string('a', 200);

        Assert.Contains("at most 223 bytes", IscsiName.Validate(name), StringComparison.Ordinal);
    }

    [Fact]
    public void Upper_case_iqn_suggests_the_lower_case_spelling()
    {
        Assert.Contains("write 'iqn.2026-11.io.userdisk:disk'", IscsiName.Validate("iqn.2026-11.IO.userdisk:Disk"), StringComparison.Ordinal);
    }

    [Fact]
    public void Iqn_ending_in_a_colon_is_rejected()
    {
        Assert.Contains("ends with ':'", IscsiName.Validate("iqn.2026-11.io.userdisk:"), StringComparison.Ordinal);
    }
}
