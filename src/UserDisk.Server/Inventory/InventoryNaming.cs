using System.Security.Cryptography;
using System.Text;

namespace UserDisk.Server.Inventory;

/// <summary>
/// Device names for projected images: deterministic from the image's key (the same image gets the same name after
/// a restart, so the platform's attach policy keeps matching it), within SCST's limits (1..49 characters, no '/' or
/// '.', §6.2) and collision-safe: a short hash of the whole key follows the readable part, so "a.b.squashfs" and
/// "a_b.squashfs" cannot end up with one name.
/// </summary>
public static class InventoryNaming
{
    private const int HashChars = 8;
    private const int MaxName = 49;

    public static string DeviceName(string key, string prefix = "")
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(prefix);
        string file = key[(key.LastIndexOf('/') + 1)..];
        int dot = file.LastIndexOf('.');
        string stem = dot > 0 ? file[..dot] : file;
        var readable = new StringBuilder(prefix.Length + stem.Length);
        foreach (char c in prefix + stem)
        {
            readable.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_');
        }

        string hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..HashChars];
        int room = MaxName - HashChars - 1;
        string head = readable.Length > room ? readable.ToString(0, room) : readable.ToString();
        return head.Length == 0 ? hash : $"{head}-{hash}";
    }

    /// <summary>Glob match of a file name against <c>*</c> / <c>?</c> patterns (case-sensitive, as S3 keys are).</summary>
    public static bool Matches(string name, string pattern)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(pattern);
        return System.IO.Enumeration.FileSystemName.MatchesSimpleExpression(pattern, name, ignoreCase: false);
    }
}
