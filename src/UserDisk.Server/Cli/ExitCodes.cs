namespace UserDisk.Server.Cli;

/// <summary>Process exit codes of <c>userdisk</c>.</summary>
public static class ExitCodes
{
    /// <summary>Ran and stopped cleanly (including a graceful stop on SIGTERM or SIGINT).</summary>
    public const int Success = 0;

    /// <summary>Could not start or failed while running (a port in use, a backstore that does not open).</summary>
    public const int Failure = 1;

    /// <summary>The command line or the configuration is wrong; nothing was started.</summary>
    public const int Usage = 2;
}
