using BenchmarkDotNet.Running;

namespace UserDisk.Bench;

internal static class Program
{
    public static int Main(string[] args)
    {
        // `scst-emulator` is a closed-loop throughput run, not a BenchmarkDotNet job.
        if (args.Length > 0 && args[0] == "scst-emulator" && OperatingSystem.IsLinux())
        {
            return ScstEmulatorThroughput.Run(args[1..]);
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
