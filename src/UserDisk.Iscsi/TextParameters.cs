using System.Text;

namespace UserDisk.Iscsi;

/// <summary>
/// The key=value text of Login and Text PDUs (RFC 7143 6): UTF-8 pairs each ended by a NUL byte. Login is not a hot
/// path, so this works with strings and lists.
/// </summary>
internal static class TextParameters
{
    public const int MaxKeyLength = 63;
    public const int MaxValueLength = 8192;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Parses pairs; returns false (with a reason) for text that breaks the RFC's syntax.</summary>
    public static bool TryParse(ReadOnlySpan<byte> data, List<KeyValuePair<string, string>> pairs, out string? error)
    {
        error = null;
        while (!data.IsEmpty)
        {
            var end = data.IndexOf((byte)0);
            if (end < 0)
            {
                // RFC 7143 6.1: every pair ends with NUL; a missing one means a split we do not accept.
                error = "text without terminating NUL";
                return false;
            }

            var pair = data[..end];
            data = data[(end + 1)..];
            if (pair.IsEmpty)
            {
                continue;
            }

            var eq = pair.IndexOf((byte)'=');
            if (eq <= 0 || eq > MaxKeyLength || pair.Length - eq - 1 > MaxValueLength)
            {
                error = "malformed key=value pair";
                return false;
            }

            string key, value;
            try
            {
                key = StrictUtf8.GetString(pair[..eq]);
                value = StrictUtf8.GetString(pair[(eq + 1)..]);
            }
            catch (DecoderFallbackException)
            {
                error = "text is not UTF-8";
                return false;
            }

            pairs.Add(new(key, value));
        }

        return true;
    }

    public static void Append(List<byte> output, string key, string value)
    {
        output.AddRange(Encoding.UTF8.GetBytes(key));
        output.Add((byte)'=');
        output.AddRange(Encoding.UTF8.GetBytes(value));
        output.Add(0);
    }
}
