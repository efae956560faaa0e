using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace UserDisk.Scst;

/// <summary>
/// DEV_USER_VERSION, the string REGISTER_DEVICE must carry: SCST_VERSION_NAME followed by sha1(scst_user.h) and
/// sha1(scst_const.h) in lowercase hex (ABI-SCST-USER.md §3.1). It changes with every SCST build, so it is
/// discovered at run time (§3.3), never hard-coded: from the installed generated header, from the installed headers'
/// hashes, or from the string literal inside the scst_user module.
/// </summary>
public static partial class ScstVersionString
{
    /// <summary>Where SCST's <c>make install</c> and its packages put the headers (§3.3).</summary>
    public static readonly IReadOnlyList<string> DefaultIncludeDirectories = ["/usr/local/include/scst", "/usr/include/scst"];

    /// <summary>
    /// Finds the version string. Tries, in order: each include directory's generated <c>scst_itf_ver.h</c> with
    /// <c>scst_const.h</c>; the sha1 of each directory's <c>scst_user.h</c> and <c>scst_const.h</c>; the literal in
    /// <c>scst_user.ko</c> under <paramref name="moduleDirectory"/>. Returns null with every place it looked in
    /// <paramref name="searched"/> when none has it.
    /// </summary>
    public static ScstVersionDiscovery? Discover(IEnumerable<string> includeDirectories, string? moduleDirectory, out IReadOnlyList<string> searched)
    {
        ArgumentNullException.ThrowIfNull(includeDirectories);
        var looked = new List<string>();
        searched = looked;
        foreach (var directory in includeDirectories)
        {
            var constHeader = Path.Combine(directory, "scst_const.h");
            var generated = Path.Combine(directory, "scst_itf_ver.h");
            looked.Add(generated);
            var name = File.Exists(constHeader) ? ReadVersionName(File.ReadAllText(constHeader)) : null;
            if (name is not null && File.Exists(generated))
            {
                var text = File.ReadAllText(generated);
                var user = ReadDefine(text, "DEV_USER_INTF_VER");
                var constant = ReadDefine(text, "SCST_CONST_INTF_VER");
                if (user is not null && constant is not null)
                {
                    return new(name + user + constant, generated);
                }
            }

            var userHeader = Path.Combine(directory, "scst_user.h");
            looked.Add(userHeader);
            if (name is not null && File.Exists(userHeader))
            {
                return new(name + Sha1Hex(userHeader) + Sha1Hex(constHeader), $"sha1 of {userHeader} and {constHeader}");
            }
        }

        if (moduleDirectory is not null && Directory.Exists(moduleDirectory))
        {
            foreach (var module in Directory.EnumerateFiles(moduleDirectory, "scst_user.ko", SearchOption.AllDirectories))
            {
                looked.Add(module);
                var found = FindInModule(File.ReadAllBytes(module));
                if (found is not null)
                {
                    return new(found, module);
                }
            }

            looked.Add(Path.Combine(moduleDirectory, "**", "scst_user.ko"));
        }

        return null;
    }

    /// <summary>The running kernel's module directory, <c>/lib/modules/$(uname -r)</c>.</summary>
    public static string RunningKernelModules()
    {
        var release = File.Exists("/proc/sys/kernel/osrelease") ? File.ReadAllText("/proc/sys/kernel/osrelease").Trim() : "";
        return Path.Combine("/lib/modules", release);
    }

    /// <summary>SCST_VERSION_NAME from scst_const.h text, e.g. "3.10.0".</summary>
    public static string? ReadVersionName(string scstConstHeader) => ReadDefine(scstConstHeader, "SCST_VERSION_NAME");

    /// <summary>
    /// The version string inside a module image: the version name followed by 80 lowercase hex digits (§3.3 step 3).
    /// Compressed modules (.ko.xz, .ko.zst) must be decompressed first.
    /// </summary>
    public static string? FindInModule(ReadOnlySpan<byte> module)
    {
        // Latin-1 keeps one char per byte, so the regex sees the binary as it is.
        var match = ModuleVersionPattern().Match(Encoding.Latin1.GetString(module));
        return match.Success ? match.Value : null;
    }

    private static string? ReadDefine(string text, string name)
    {
        var match = Regex.Match(text, @"^\s*#\s*define\s+" + Regex.Escape(name) + @"\s+""([^""]*)""", RegexOptions.Multiline);
        return match.Success ? match.Groups[1].Value : null;
    }

    private static string Sha1Hex(string path)
    {
#pragma warning disable CA5350 // SCST itself names the interface by the file's SHA-1; this is identification, not security.
        return Convert.ToHexStringLower(SHA1.HashData(File.ReadAllBytes(path)));
#pragma warning restore CA5350
    }

    [GeneratedRegex(@"[0-9]+\.[0-9]+\.[0-9]+(?:-[a-z0-9]+)?[0-9a-f]{80}(?![0-9a-f])")]
    private static partial Regex ModuleVersionPattern();
}

/// <summary>A discovered DEV_USER_VERSION and where it came from (logged at start-up).</summary>
public sealed record ScstVersionDiscovery(string Version, string Source);
