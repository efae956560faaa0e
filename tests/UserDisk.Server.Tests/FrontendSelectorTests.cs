using UserDisk.Server.Configuration;
using UserDisk.Server.Frontends;

namespace UserDisk.Server.Tests;

public sealed class FrontendSelectorTests
{
    [Fact]
    public void Auto_without_dev_scst_user_chooses_iscsi()
    {
        Assert.Equal(FrontendKind.Iscsi, FrontendSelector.Select(FrontendKind.Auto, _ => false, out _));
    }

    [Fact]
    public void Auto_with_dev_scst_user_refuses_and_says_why()
    {
        Assert.Null(FrontendSelector.Select(FrontendKind.Auto, path => path == "/dev/scst_user", out string error));

        Assert.StartsWith("/dev/scst_user exists", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Iscsi_is_chosen_even_when_dev_scst_user_exists()
    {
        Assert.Equal(FrontendKind.Iscsi, FrontendSelector.Select(FrontendKind.Iscsi, _ => true, out _));
    }

    [Fact]
    public void Scst_is_refused_as_not_available_in_this_build()
    {
        Assert.Null(FrontendSelector.Select(FrontendKind.Scst, _ => true, out string error));

        Assert.StartsWith("the scst_user front end is not available in this build", error, StringComparison.Ordinal);
    }
}
