using UserDisk.Server.Configuration;
using UserDisk.Server.Frontends;

namespace UserDisk.Server.Tests;

public sealed class FrontendSelectorTests
{
    private static readonly ScstOptions Kernel = new();

    [Fact]
    public void Auto_without_scst_user_chooses_the_embedded_iscsi_target()
    {
        Assert.Equal(FrontendKind.Iscsi, FrontendSelector.Select(FrontendKind.Auto, Kernel, _ => false, out _));
    }

    [Fact]
    public void Auto_with_scst_user_chooses_scst()
    {
        Assert.Equal(FrontendKind.Scst, FrontendSelector.Select(FrontendKind.Auto, Kernel, path => path == "/dev/scst_user", out _));
    }

    [Fact]
    public void Auto_with_the_emulator_configured_chooses_scst()
    {
        Assert.Equal(FrontendKind.Scst, FrontendSelector.Select(FrontendKind.Auto, new ScstOptions { Emulator = "/x/libuserdisk_shim.so" }, _ => false, out _));
    }

    [Fact]
    public void Iscsi_is_always_available()
    {
        Assert.Equal(FrontendKind.Iscsi, FrontendSelector.Select(FrontendKind.Iscsi, Kernel, _ => true, out _));
    }

    [Fact]
    public void Scst_without_the_device_is_refused_saying_what_to_load()
    {
        Assert.Null(FrontendSelector.Select(FrontendKind.Scst, Kernel, _ => false, out string error));
        Assert.Contains("modprobe scst_user", error, StringComparison.Ordinal);
        Assert.Contains("--frontend iscsi", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Scst_honours_a_configured_device_path()
    {
        var options = new ScstOptions { DevicePath = "/host/dev/scst_user" };
        Assert.Equal(FrontendKind.Scst, FrontendSelector.Select(FrontendKind.Scst, options, path => path == "/host/dev/scst_user", out _));
    }
}
