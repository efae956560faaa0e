namespace UserDisk.Server.Configuration;

public enum ProblemSeverity
{
    /// <summary>The server starts, and the problem is logged.</summary>
    Warning,

    /// <summary>The server refuses to start (exit code 2).</summary>
    Error,
}
