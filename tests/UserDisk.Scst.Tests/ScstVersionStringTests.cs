using System.Security.Cryptography;
using System.Text;

namespace UserDisk.Scst.Tests;

public sealed class ScstVersionStringTests : IDisposable
{
    private const string UserSha = "230a30730ec749a9738ef33d6d17b1e6739bd195";
    private const string ConstSha = "85aa8654196eb07e34d2b0762f5607fb4b70af8b";
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("userdisk-scst-version-");

    [Fact]
    public void The_generated_header_gives_the_string_of_the_running_build()
    {
        var include = _root.CreateSubdirectory("include");
        File.WriteAllText(Path.Combine(include.FullName, "scst_const.h"), "#define SCST_VERSION_NAME \"3.10.0\"\n");
        File.WriteAllText(Path.Combine(include.FullName, "scst_itf_ver.h"), $"#define SCST_INTF_VER \"{new string('1', 40)}\"\n#define SCST_CONST_INTF_VER \"{ConstSha}\"\n#define DEV_USER_INTF_VER \"{UserSha}\"\n");

        var found = ScstVersionString.Discover([Path.Combine(_root.FullName, "missing"), include.FullName], null, out var searched);

        Assert.NotNull(found);
        Assert.Equal("3.10.0" + UserSha + ConstSha, found.Version);
        Assert.Equal(86, found.Version.Length);
        Assert.Contains(Path.Combine(_root.FullName, "missing", "scst_itf_ver.h"), searched);
    }

    [Fact]
    public void Without_the_generated_header_the_installed_headers_are_hashed()
    {
        var include = _root.CreateSubdirectory("headers");
        byte[] constText = Encoding.ASCII.GetBytes("/* const */\n#define SCST_VERSION_NAME \"3.11.0-pre\"\n");
        byte[] userText = Encoding.ASCII.GetBytes("/* scst_user.h */\n");
        File.WriteAllBytes(Path.Combine(include.FullName, "scst_const.h"), constText);
        File.WriteAllBytes(Path.Combine(include.FullName, "scst_user.h"), userText);

        var found = ScstVersionString.Discover([include.FullName], null, out _);

#pragma warning disable CA5350 // the format SCST defines
        string expected = "3.11.0-pre" + Convert.ToHexStringLower(SHA1.HashData(userText)) + Convert.ToHexStringLower(SHA1.HashData(constText));
#pragma warning restore CA5350
        Assert.Equal(expected, found?.Version);
        Assert.Equal(90, expected.Length);
    }

    [Fact]
    public void The_module_image_carries_the_literal()
    {
        var modules = _root.CreateSubdirectory("lib/modules/6.1.0/extra");
        string version = "3.10.0" + UserSha + ConstSha;
        byte[] image = [.. Encoding.ASCII.GetBytes("\u007fELF\0\0junk scst_user"), 0, .. Encoding.ASCII.GetBytes(version), 0, .. Encoding.ASCII.GetBytes("more")];
        File.WriteAllBytes(Path.Combine(modules.FullName, "scst_user.ko"), image);

        var found = ScstVersionString.Discover([], Path.Combine(_root.FullName, "lib/modules/6.1.0"), out _);

        Assert.Equal(version, found?.Version);
        Assert.EndsWith("scst_user.ko", found?.Source, StringComparison.Ordinal);
    }

    [Fact]
    public void Nothing_found_lists_every_place_searched()
    {
        var found = ScstVersionString.Discover([_root.FullName], Path.Combine(_root.FullName, "nomodules"), out var searched);

        Assert.Null(found);
        Assert.Contains(Path.Combine(_root.FullName, "scst_itf_ver.h"), searched);
    }

    [Fact]
    public void Fewer_than_80_hex_digits_after_a_version_name_are_not_a_version_string()
    {
        Assert.Null(ScstVersionString.FindInModule(Encoding.ASCII.GetBytes("\03.10.0" + UserSha + "\0")));
        Assert.Null(ScstVersionString.FindInModule(Encoding.ASCII.GetBytes("version " + UserSha + ConstSha)));
    }

    public void Dispose() => _root.Delete(recursive: true);
}
