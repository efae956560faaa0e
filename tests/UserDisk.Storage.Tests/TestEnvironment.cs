using System.ComponentModel;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;

namespace UserDisk.Storage.Tests;

/// <summary>What the machine running the tests allows (root, mounts, loop devices, chattr).</summary>
internal static class TestEnvironment
{
    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static bool IsRoot => Environment.UserName == "root";

    public static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>
    /// For a facility a test needs but this machine does not give: the test is skipped with the reason, except on
    /// CI (CI=true) when <paramref name="requiredOnCi"/>, where CI machines are set up to have it and it fails.
    /// </summary>
    [DoesNotReturn]
    public static void Unavailable(string what, bool requiredOnCi = true)
    {
        if (requiredOnCi && IsCi)
        {
            Assert.Fail($"{what} (CI=true, so this is required).");
        }

        Assert.Skip(what);
        throw new UnreachableException();
    }

    /// <summary>Runs a program and returns its exit code and combined output (exit code -1 if it cannot start).</summary>
    public static (int ExitCode, string Output) Run(string program, params string[] arguments)
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
