using System.Text;

namespace UserDisk.Server.Configuration;

/// <summary>
/// Checks iSCSI names against RFC 7143 4.2.7: <c>iqn.YYYY-MM.reverse.domain[:anything]</c>,
/// <c>eui.</c> and 16 hex digits (an EUI-64), <c>naa.</c> and 16 or 32 hex digits (RFC 3980).
/// </summary>
public static class IscsiName
{
    /// <summary>RFC 7143 4.2.7: an iSCSI name is at most 223 bytes (UTF-8).</summary>
    public const int MaxBytes = 223;

    private const string Forms = "use iqn.YYYY-MM.reverse.domain[:id], eui. and 16 hex digits, or naa. and 16 or 32 hex digits (RFC 7143 4.2.7), e.g. iqn.2026-11.io.userdisk:disk";

    /// <summary>Returns null when <paramref name="name"/> is a valid iSCSI name, otherwise why it is not.</summary>
    public static string? Validate(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0)
        {
            return $"the name is empty ({Forms})";
        }

        int bytes = Encoding.UTF8.GetByteCount(name);
        if (bytes > MaxBytes)
        {
            return $"'{name}' is {bytes} bytes long; iSCSI names are at most {MaxBytes} bytes (RFC 7143 4.2.7)";
        }

        if (name.StartsWith("iqn.", StringComparison.OrdinalIgnoreCase))
        {
            return ValidateIqn(name);
        }

        if (name.StartsWith("eui.", StringComparison.OrdinalIgnoreCase))
        {
            return IsHex(name.AsSpan(4), 16) ? LowerPrefix(name) : $"'{name}' is not an EUI-64 name: eui. must be followed by exactly 16 hex digits (RFC 7143 4.2.7)";
        }

        if (name.StartsWith("naa.", StringComparison.OrdinalIgnoreCase))
        {
            return IsHex(name.AsSpan(4), 16) || IsHex(name.AsSpan(4), 32)
                ? LowerPrefix(name)
                : $"'{name}' is not an NAA name: naa. must be followed by 16 or 32 hex digits (RFC 3980)";
        }

        return $"'{name}' has no iqn., eui. or naa. prefix ({Forms})";
    }

    private static string? LowerPrefix(string name) =>
        name.StartsWith("eui.", StringComparison.Ordinal) || name.StartsWith("naa.", StringComparison.Ordinal)
            ? null
            : $"'{name}' has an upper-case type prefix; write '{name[..4].ToLowerInvariant()}{name[4..]}'";

    private static string? ValidateIqn(string name)
    {
        // RFC 7143 4.2.7: names are normalized with the iSCSI stringprep profile (RFC 3722), which maps to lower
        // case; initiators compare them as written, so a name with capitals would never match.
        if (name.Any(char.IsAsciiLetterUpper))
        {
            return $"'{name}' has upper-case letters; iSCSI names are lower case (RFC 7143 4.2.7, RFC 3722): write '{name.ToLowerInvariant()}'";
        }

        foreach (char c in name)
        {
            if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '.' or ':'))
            {
                return $"'{name}' contains '{c}'; iSCSI names use only a-z, 0-9, '-', '.' and ':' (RFC 7143 4.2.7)";
            }
        }

        const string Iqn = "use iqn.YYYY-MM.reverse.domain[:id] (RFC 7143 4.2.7), e.g. iqn.2026-11.io.userdisk:disk";
        ReadOnlySpan<char> rest = name.AsSpan(4);

        // yyyy-mm: the month in which the naming authority owned the domain.
        if (rest.Length < 7 || !IsDigits(rest[..4]) || rest[4] != '-' || !IsDigits(rest[5..7])
            || int.Parse(rest[5..7], provider: System.Globalization.CultureInfo.InvariantCulture) is < 1 or > 12)
        {
            return $"'{name}' does not have a date YYYY-MM after 'iqn.' ({Iqn})";
        }

        rest = rest[7..];
        if (rest.Length < 2 || rest[0] != '.')
        {
            return $"'{name}' has no reversed domain name after the date ({Iqn})";
        }

        rest = rest[1..];
        int colon = rest.IndexOf(':');
        ReadOnlySpan<char> authority = colon < 0 ? rest : rest[..colon];
        if (colon >= 0 && colon == rest.Length - 1)
        {
            return $"'{name}' ends with ':'; put a unique string after it or leave the ':' out ({Iqn})";
        }

        foreach (Range range in authority.Split('.'))
        {
            ReadOnlySpan<char> label = authority[range];
            if (label.Length == 0 || label.Contains(':') || label[0] == '-' || label[^1] == '-')
            {
                return $"'{name}' has an invalid reversed domain name '{authority}' (labels of a-z, 0-9 and inner '-', separated by '.'; {Iqn})";
            }
        }

        return null;
    }

    private static bool IsDigits(ReadOnlySpan<char> text)
    {
        foreach (char c in text)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsHex(ReadOnlySpan<char> text, int length)
    {
        if (text.Length != length)
        {
            return false;
        }

        foreach (char c in text)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }

        return true;
    }
}
