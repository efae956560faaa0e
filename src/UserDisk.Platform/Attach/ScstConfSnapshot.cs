using System.Globalization;
using System.Text;
using UserDisk.Platform.Sysfs;

namespace UserDisk.Platform.Attach;

/// <summary>
/// A file in scstadmin's <c>scst.conf</c> syntax (ABI-SCST-USER.md §12) that shows what the attach agent manages:
/// TARGET_DRIVER blocks with the targets it enabled, its LUNs, and its security groups with their LUNs and
/// initiators; nothing it does not manage. It is a record for people and tools (diffs, audits), not a configuration
/// to apply: scstadmin cannot create scst_user devices, so there are no HANDLER blocks. Replaced atomically
/// (temporary file, fsync, rename) so a reader sees the old file or the new one, and only when the content below the
/// header changed, so its time stamp says when the managed configuration last changed. Not synchronised: the
/// attach manager calls it under a lock.
/// </summary>
internal sealed class ScstConfSnapshot(string path)
{
    public string Path { get; } = path;

    /// <summary>
    /// The body for the devices that are attached, the targets the agent enabled and the groups it set up.
    /// <paramref name="exists"/> tells whether a sysfs path exists: <c>enabled</c> lines are written only where SCST
    /// has that attribute (the iSCSI driver has a driver-level one; scst_local targets have none, §10.4), because
    /// scstadmin rejects attributes a driver does not have.
    /// </summary>
    public static string Render(
        IEnumerable<DeviceAttachStatus> devices,
        IEnumerable<AttachTarget> enabledTargets,
        IEnumerable<AttachGroup> groups,
        Func<string, bool> exists)
    {
        var targets = new SortedDictionary<(string Driver, string Target), TargetBlock>(Comparer<(string Driver, string Target)>.Create(static (a, b) =>
            string.CompareOrdinal(a.Driver, b.Driver) is int byDriver and not 0 ? byDriver : string.CompareOrdinal(a.Target, b.Target)));
        TargetBlock Target(string driver, string target)
        {
            if (!targets.TryGetValue((driver, target), out TargetBlock? block))
            {
                targets[(driver, target)] = block = new TargetBlock();
            }

            return block;
        }

        foreach (AttachTarget target in enabledTargets)
        {
            Target(target.Driver, target.Target).Enabled = true;
        }

        foreach (AttachGroup group in groups)
        {
            GroupBlock block = Target(group.Driver, group.Target).Group(group.Group);
            foreach (string initiator in group.Initiators.Where(i => !block.Initiators.Contains(i)))
            {
                block.Initiators.Add(initiator);
            }
        }

        foreach (DeviceAttachStatus device in devices)
        {
            if (device is { State: DeviceAttachState.Attached, Driver: { } driver, Target: { } target, Lun: int lun })
            {
                TargetBlock block = Target(driver, target);
                SortedDictionary<int, string> luns = device.Group is { } group ? block.Group(group).Luns : block.Luns;
                luns[lun] = device.ReadOnly ? $"LUN {Number(lun)} {Token(device.Device)} {{\n\tread_only 1\n}}" : $"LUN {Number(lun)} {Token(device.Device)}";
            }
        }

        var drivers = new List<string>();
        foreach (IGrouping<string, KeyValuePair<(string Driver, string Target), TargetBlock>> driver in targets.GroupBy(static t => t.Key.Driver))
        {
            var paragraphs = new List<List<string>>();
            bool anyEnabled = driver.Any(static t => t.Value.Enabled);
            paragraphs.Add(EnabledLine(anyEnabled && exists($"targets/{driver.Key}/enabled")));
            foreach (((string _, string target), TargetBlock block) in driver)
            {
                List<List<string>> targetParagraphs =
                [
                    EnabledLine(block.Enabled && exists($"{ScstSysfs.TargetPath(driver.Key, target)}/enabled")),
                    [.. block.Luns.Values],
                ];
                foreach ((string name, GroupBlock group) in block.Groups)
                {
                    targetParagraphs.Add(Block($"GROUP {Token(name)}", [[.. group.Luns.Values], [.. group.Initiators.Select(static i => $"INITIATOR {Token(i)}")]]));
                }

                paragraphs.Add(Block($"TARGET {Token(target)}", targetParagraphs));
            }

            drivers.Add(string.Join('\n', Block($"TARGET_DRIVER {Token(driver.Key)}", paragraphs)));
        }

        return drivers.Count == 0 ? "" : string.Join("\n\n", drivers) + "\n";
    }

    /// <summary>
    /// Writes <paramref name="body"/> under a header with <paramref name="now"/>, unless the file holds this body
    /// already. Returns false when nothing was written. Throws <see cref="IOException"/> or
    /// <see cref="UnauthorizedAccessException"/> when it cannot be written; the old file then stays as it was.
    /// </summary>
    public bool Write(string body, DateTimeOffset now)
    {
        if (CurrentBody() == body)
        {
            return false;
        }

        string? directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        string header =
            $"# scst.conf-style snapshot of what the attach agent manages, generated by userdisk attach-agent at {now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}.\n" +
            "# Rewritten whenever that changes; only the agent's targets, groups and LUNs are here. A record, not a\n" +
            "# configuration to apply: scst_user devices exist only while their handler runs (no HANDLER blocks).\n";
        string temporary = $"{Path}.{Environment.ProcessId}.tmp";
        try
        {
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                byte[] bytes = Encoding.UTF8.GetBytes(header + "\n" + body);
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, Path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try
            {
                File.Delete(temporary);
            }
            catch (Exception cleanup) when (cleanup is IOException or UnauthorizedAccessException)
            {
                // The original failure is the one worth reporting.
            }

            throw;
        }

        return true;
    }

    /// <summary>The body of the file as it is (everything after the leading comment lines and one blank line), or null.</summary>
    private string? CurrentBody()
    {
        string text;
        try
        {
            text = File.ReadAllText(Path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // missing or unreadable: write it
        }

        int start = 0;
        while (start < text.Length && text[start] == '#')
        {
            int end = text.IndexOf('\n', start);
            start = end < 0 ? text.Length : end + 1;
        }

        if (start < text.Length && text[start] == '\n')
        {
            start++;
        }

        return text[start..];
    }

    /// <summary>
    /// <c>NAME {</c>, the paragraphs indented by a tab with a blank line between non-empty ones (the layout
    /// <c>scstadmin -write_config</c> uses), <c>}</c>.
    /// </summary>
    private static List<string> Block(string header, IEnumerable<List<string>> paragraphs)
    {
        var lines = new List<string> { header + " {" };
        bool first = true;
        foreach (List<string> paragraph in paragraphs.Where(static p => p.Count > 0))
        {
            if (!first)
            {
                lines.Add("");
            }

            first = false;
            lines.AddRange(paragraph.SelectMany(static item => item.Split('\n')).Select(static line => line.Length == 0 ? line : "\t" + line));
        }

        lines.Add("}");
        return lines;
    }

    /// <summary>
    /// A name as an scst.conf token: an unescaped '#' starts a comment there, so it is escaped with a backslash.
    /// Whitespace needs no quoting: SCST names cannot contain any (commands are split at it, §10.2).
    /// </summary>
    private static string Token(string name) => name.Replace("#", "\\#", StringComparison.Ordinal);

    private static List<string> EnabledLine(bool enabled) => enabled ? ["enabled 1"] : [];

    private static string Number(int lun) => lun.ToString(CultureInfo.InvariantCulture);

    private sealed class TargetBlock
    {
        public bool Enabled { get; set; }

        public SortedDictionary<int, string> Luns { get; } = [];

        public SortedDictionary<string, GroupBlock> Groups { get; } = new(StringComparer.Ordinal);

        public GroupBlock Group(string name)
        {
            if (!Groups.TryGetValue(name, out GroupBlock? group))
            {
                Groups[name] = group = new GroupBlock();
            }

            return group;
        }
    }

    private sealed class GroupBlock
    {
        public SortedDictionary<int, string> Luns { get; } = [];

        public List<string> Initiators { get; } = [];
    }
}
