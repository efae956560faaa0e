namespace UserDisk.Server.Cli;

/// <summary>The flags of <c>userdisk serve</c>; null means "not given" (configuration decides).</summary>
public sealed record ServeArguments
{
    public string? ConfigFile { get; init; }

    public string? Frontend { get; init; }

    public string? Portal { get; init; }

    public string? Http { get; init; }

    public string? DataDir { get; init; }
}
