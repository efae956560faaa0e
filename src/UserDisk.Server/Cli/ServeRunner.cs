using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using UserDisk.Server.Configuration;
using UserDisk.Server.Frontends;
using UserDisk.Server.Hosting;

namespace UserDisk.Server.Cli;

/// <summary>
/// <c>userdisk serve</c>: loads and checks the configuration (every problem reported at once, exit code 2), picks
/// the front end, then runs the host until SIGTERM/SIGINT.
/// </summary>
public sealed partial class ServeRunner
{
    private readonly CliContext _context;

    public ServeRunner(CliContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _context = context;
    }

    /// <summary>Runs until shutdown; returns the process exit code (<see cref="ExitCodes"/>).</summary>
    public async Task<int> RunAsync(ServeArguments arguments, CancellationToken cancellationToken)
    {
        (WebApplication? app, int exitCode) = Prepare(arguments);
        if (app is null)
        {
            return exitCode;
        }

        await using (app.ConfigureAwait(false))
        {
            try
            {
                await app.StartAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                await ReportStartFailureAsync(app, e).ConfigureAwait(false);
                return ExitCodes.Failure;
            }

            try
            {
                await app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                await _context.Error.WriteLineAsync($"userdisk: stopping failed: {e.Message}").ConfigureAwait(false);
                return ExitCodes.Failure;
            }

            return ExitCodes.Success;
        }
    }

    /// <summary>
    /// Everything before the host starts: configuration, validation, front-end choice, host composition.
    /// Returns the host, or null and the exit code after writing why to stderr.
    /// </summary>
    public (WebApplication? App, int ExitCode) Prepare(ServeArguments arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var overrides = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var flagKeys = new Dictionary<string, string>(StringComparer.Ordinal);
        AddFlag(overrides, flagKeys, "Http", "--http", arguments.Http);
        AddFlag(overrides, flagKeys, "DataDir", "--data-dir", arguments.DataDir);
        AddFlag(overrides, flagKeys, "Frontend", "--frontend", arguments.Frontend);

        var layers = new ConfigurationLayers
        {
            BaseDirectory = _context.BaseDirectory,
            ConfigFile = arguments.ConfigFile is null ? null : Path.GetFullPath(arguments.ConfigFile, _context.CurrentDirectory),
            Environment = _context.Environment,
            Overrides = overrides,
        };
        (IConfigurationRoot configuration, IReadOnlyList<ConfigurationProblem> loadProblems) = layers.Build();
        if (loadProblems.Count > 0)
        {
            WriteProblems(loadProblems);
            return (null, ExitCodes.Usage);
        }

        OptionsReadResult result = UserDiskOptionsReader.Read(configuration, new ReaderSettings
        {
            CurrentDirectory = _context.CurrentDirectory,
            PortalOverride = arguments.Portal,
            FlagKeys = flagKeys,
        });
        if (result.Options is not UserDiskOptions options)
        {
            WriteProblems(result.Problems);
            return (null, ExitCodes.Usage);
        }

        if (FrontendSelector.Select(options.Frontend, options.Scst, _context.PathExists, out string frontendError) is not FrontendKind frontend)
        {
            _context.Error.WriteLine($"userdisk: {frontendError}");
            return (null, ExitCodes.Usage);
        }

        // A record, so the copy carries every setting, including ones added later.
        options = options with { Frontend = frontend };

        WebApplication app = ServeHost.Build(options, configuration, _context.Out, _context.ConfigureHost);
        ILogger logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("UserDisk.Server.Configuration");
        foreach (ConfigurationProblem warning in result.Warnings)
        {
            LogConfigurationWarning(logger, warning.Key, warning.Message);
        }

        LogConfiguration(logger, options);
        return (app, ExitCodes.Success);
    }

    private static void AddFlag(Dictionary<string, string?> overrides, Dictionary<string, string> flagKeys, string name, string flag, string? value)
    {
        if (value is not null)
        {
            string key = $"{UserDiskOptions.SectionName}:{name}";
            overrides[key] = value;
            flagKeys[key] = flag;
        }
    }

    private void WriteProblems(IReadOnlyList<ConfigurationProblem> problems)
    {
        int errors = problems.Count(p => p.Severity == ProblemSeverity.Error);
        _context.Error.WriteLine($"userdisk: the configuration has {errors} error{(errors == 1 ? string.Empty : "s")}; nothing was started:");
        foreach (ConfigurationProblem problem in problems.Where(p => p.Severity == ProblemSeverity.Error))
        {
            _context.Error.WriteLine($"  error: {problem}");
        }

        foreach (ConfigurationProblem problem in problems.Where(p => p.Severity == ProblemSeverity.Warning))
        {
            _context.Error.WriteLine($"  warning: {problem}");
        }
    }

    private async Task ReportStartFailureAsync(WebApplication app, Exception e)
    {
        string reasons = e is HostStartupException { Reasons.Count: > 0 } startup
            ? string.Join(Environment.NewLine, startup.Reasons.Select(r => "  " + r))
            : "  " + e.Message;
        await _context.Error.WriteLineAsync($"userdisk: cannot start:{Environment.NewLine}{reasons}").ConfigureAwait(false);

        // Whatever did start (open backstores, a listening portal) is stopped and closed again.
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await app.StopAsync(stop.Token).ConfigureAwait(false);
        }
        catch (Exception stopError) when (stopError is not OutOfMemoryException)
        {
            await _context.Error.WriteLineAsync($"userdisk: stopping after the failed start failed too: {stopError.Message}").ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Configuration: {Key}: {Problem}")]
    private static partial void LogConfigurationWarning(ILogger logger, string key, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "userdisk serve: {Summary}")]
    private static partial void LogConfiguration(ILogger logger, UserDiskOptions summary);
}
