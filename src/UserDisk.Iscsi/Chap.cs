using System.Globalization;
using System.Security.Cryptography;

namespace UserDisk.Iscsi;

/// <summary>
/// CHAP with MD5 (RFC 1994, as RFC 7143 12.1.3 profiles it): response = MD5(identifier || secret || challenge).
/// Binary values travel as "0x" hex or "0b" base64.
/// </summary>
internal static class Chap
{
    public const string Md5Algorithm = "5";
    public const int ChallengeLength = 16;

    public static byte[] Response(byte identifier, ReadOnlySpan<byte> secret, ReadOnlySpan<byte> challenge)
    {
        var input = new byte[1 + secret.Length + challenge.Length];
        input[0] = identifier;
        secret.CopyTo(input.AsSpan(1));
        challenge.CopyTo(input.AsSpan(1 + secret.Length));
#pragma warning disable CA5351 // RFC 7143 12.1.3 defines CHAP with MD5; initiators offer nothing else.
        return MD5.HashData(input);
#pragma warning restore CA5351
    }

    public static string Encode(ReadOnlySpan<byte> value) => "0x" + Convert.ToHexString(value).ToLowerInvariant();

    public static bool TryDecode(string text, out byte[] value)
    {
        value = [];
        try
        {
            if (text.Length > 2 && (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)))
            {
                var hex = text[2..];
                if (hex.Length % 2 == 1)
                {
                    hex = "0" + hex;
                }

                value = Convert.FromHexString(hex);
                return value.Length > 0;
            }

            if (text.Length > 2 && text.StartsWith("0b", StringComparison.OrdinalIgnoreCase))
            {
                value = Convert.FromBase64String(text[2..]);
                return value.Length > 0;
            }
        }
        catch (FormatException)
        {
            return false;
        }

        return false;
    }

    public static bool TryParseIdentifier(string text, out byte identifier) =>
        byte.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out identifier);
}
