namespace UserDisk.Platform.Attach;

/// <summary>Glob matching of device names (<c>*</c>, <c>?</c>), ordinal, over the whole name.</summary>
internal static class DevicePatterns
{
    public static bool IsMatch(string pattern, string name)
    {
        int p = 0, n = 0;

        // Where the last '*' was and how much of the name it has swallowed, to backtrack to on a mismatch.
        int star = -1, starName = 0;
        while (n < name.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == name[n]))
            {
                p++;
                n++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                starName = n;
            }
            else if (star >= 0)
            {
                p = star + 1;
                n = ++starName;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }
}
