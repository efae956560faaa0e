namespace UserDisk.Server.Hosting;

/// <summary>The server could not start; <see cref="Exception.Message"/> lists every reason, one per line.</summary>
public sealed class HostStartupException : Exception
{
    public HostStartupException()
    {
    }

    public HostStartupException(string message)
        : base(message)
    {
    }

    public HostStartupException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public HostStartupException(IReadOnlyList<string> reasons)
        : base(string.Join(Environment.NewLine, reasons))
    {
        Reasons = reasons;
    }

    public IReadOnlyList<string> Reasons { get; } = [];
}
