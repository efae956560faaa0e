namespace UserDisk.Server.Hosting;

/// <summary>Where ready-to-paste hints (discovery URL, iscsi-ls and iscsi-inq lines) go: stdout, or a test's writer.</summary>
public sealed class ConsoleOutput(TextWriter writer)
{
    public TextWriter Writer { get; } = writer;
}
