using System.Collections;
using Microsoft.AspNetCore.Builder;

namespace UserDisk.Server.Cli;

/// <summary>
/// What the commands take from the process: streams, environment, directories, the device check. Tests give
/// their own instead of the process's.
/// </summary>
public sealed class CliContext
{
    public TextWriter Out { get; init; } = Console.Out;

    public TextWriter Error { get; init; } = Console.Error;

    public IDictionary Environment { get; init; } = System.Environment.GetEnvironmentVariables();

    /// <summary>Where appsettings.json is looked for: the executable's directory.</summary>
    public string BaseDirectory { get; init; } = AppContext.BaseDirectory;

    public string CurrentDirectory { get; init; } = System.Environment.CurrentDirectory;

    /// <summary>Whether a device node exists (<c>/dev/scst_user</c> decides what <c>--frontend auto</c> means).</summary>
    public Func<string, bool> PathExists { get; init; } = File.Exists;

    /// <summary>Last changes to the host before it is built (tests replace logging here).</summary>
    public Action<WebApplicationBuilder>? ConfigureHost { get; init; }
}
