using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;

namespace UserDisk.Storage.Tests;

/// <summary>
/// Real squashfs images made by squashfs-tools' mksquashfs, so that the parser is checked against the format's
/// reference writer rather than against bytes this project wrote itself.
/// </summary>
internal static class SquashfsImages
{
    /// <summary>The mkfs_time every image gets (2023-11-14 22:13:20 UTC): SOURCE_DATE_EPOCH makes builds reproducible.</summary>
    public const long SourceDateEpoch = 1_700_000_000;

    private const string InstallHint = "mksquashfs (squashfs-tools) is not installed; run scripts/install-deps.sh";

    /// <summary>
    /// Builds an image of a small tree (a 300 KB file that does not compress, a small text file, a subfolder) into
    /// <paramref name="dir"/>. <paramref name="seed"/> varies the content. Extra arguments go to mksquashfs
    /// (e.g. "-comp", "zstd" or "-nopad").
    /// </summary>
    public static string Build(TempDirectory dir, string name, int seed = 1, params string[] options)
    {
        string source = dir.File(name + ".src");
        Directory.CreateDirectory(System.IO.Path.Combine(source, "sub"));
        File.WriteAllBytes(System.IO.Path.Combine(source, "random.bin"), RandomBytes(300_000, seed));
        File.WriteAllText(System.IO.Path.Combine(source, "sub", "hello.txt"), $"hello from image {seed}\n");
        return BuildFrom(dir, name, source, options);
    }

    /// <summary>Builds an image of an empty folder: the smallest image there is (156 bytes with -nopad).</summary>
    public static string BuildEmpty(TempDirectory dir, string name, params string[] options)
    {
        string source = dir.File(name + ".src");
        Directory.CreateDirectory(source);
        return BuildFrom(dir, name, source, options);
    }

    /// <summary>Runs <c>unsquashfs</c> with <paramref name="arguments"/> and returns its output; fails the test on error.</summary>
    public static string Unsquashfs(params string[] arguments)
    {
        (int exitCode, string output) = Run("unsquashfs", arguments);
        Assert.True(exitCode == 0, $"unsquashfs {string.Join(' ', arguments)} failed ({exitCode}): {output}");
        return output;
    }

    /// <summary>The number after <paramref name="label"/> on its line of <c>unsquashfs -s</c> output.</summary>
    public static long ValueAfter(string unsquashfsOutput, string label)
    {
        foreach (string line in unsquashfsOutput.Split('\n'))
        {
            if (line.StartsWith(label, StringComparison.Ordinal))
            {
                string rest = line[label.Length..].Trim();
                int end = 0;
                while (end < rest.Length && char.IsAsciiDigit(rest[end]))
                {
                    end++;
                }

                return long.Parse(rest.AsSpan(0, end), CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException($"'{label}' is not in the unsquashfs output:\n{unsquashfsOutput}");
    }

    /// <summary>The word after <paramref name="label"/> on its line of <c>unsquashfs -s</c> output.</summary>
    public static string WordAfter(string unsquashfsOutput, string label)
    {
        foreach (string line in unsquashfsOutput.Split('\n'))
        {
            if (line.StartsWith(label, StringComparison.Ordinal))
            {
                return line[label.Length..].Trim().Split(' ')[0];
            }
        }

        throw new InvalidOperationException($"'{label}' is not in the unsquashfs output:\n{unsquashfsOutput}");
    }

    private static string BuildFrom(TempDirectory dir, string name, string source, string[] options)
    {
        string image = dir.File(name);
        var arguments = new List<string> { source, image, "-noappend", "-no-progress", "-quiet", "-b", "131072" };
        arguments.AddRange(options);
        if (!options.Contains("-comp"))
        {
            arguments.AddRange(["-comp", "gzip"]);
        }

        (int exitCode, string output) = Run("mksquashfs", [.. arguments]);
        if (exitCode == -1)
        {
            TestEnvironment.Unavailable(InstallHint);
        }

        Assert.True(exitCode == 0, $"mksquashfs {string.Join(' ', arguments)} failed ({exitCode}): {output}");
        return image;
    }

    private static byte[] RandomBytes(int length, int seed)
    {
        // Seeded, so the same seed gives the same image; random, so that the image is not mostly compressed away.
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static (int ExitCode, string Output) Run(string program, string[] arguments)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["SOURCE_DATE_EPOCH"] = SourceDateEpoch.ToString(CultureInfo.InvariantCulture);

        // unsquashfs -s prints the creation time in local time; UTC keeps the output the same on every machine.
        start.Environment["TZ"] = "UTC";
        try
        {
            using Process process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start.");
            Task<string> error = process.StandardError.ReadToEndAsync();
            string output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, (output + error.GetAwaiter().GetResult()).Trim());
        }
        catch (Win32Exception ex)
        {
            return (-1, $"{program}: {ex.Message}");
        }
    }
}
