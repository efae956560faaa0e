using UserDisk.Server.Cli;

namespace UserDisk.Server;

public static class Program
{
    public static Task<int> Main(string[] args) => UserDiskCommandLine.RunAsync(args, new CliContext());
}
