using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using UserDisk.Server.Cli;
using UserDisk.Server.Configuration;
using UserDisk.Server.Metrics;

namespace UserDisk.Server.Agent;

/// <summary>
/// <c>userdisk attach-agent</c>: validates <c>UserDisk:Agent</c> (errors name the key, exit code 2), then runs the
/// agent with /status, /metrics and /healthz until SIGTERM/SIGINT.
/// </summary>
public sealed class AgentRunner(CliContext context)
{
    /// <summary>camelCase with states as words ("Attached"), for people reading /status as much as for scripts.</summary>
    private static readonly System.Text.Json.JsonSerializerOptions StatusJson = new(System.Text.Json.JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    public (WebApplication? App, int ExitCode) Prepare(string? configFile)
    {
        var layers = new ConfigurationLayers
        {
            BaseDirectory = context.BaseDirectory,
            ConfigFile = configFile is null ? null : Path.GetFullPath(configFile, context.CurrentDirectory),
            Environment = context.Environment,
        };
        (IConfigurationRoot configuration, IReadOnlyList<ConfigurationProblem> loadProblems) = layers.Build();
        var errors = loadProblems.Where(p => p.Severity == ProblemSeverity.Error).Select(p => $"{p.Key}: {p.Message}").ToList();
        AgentOptions options;
        try
        {
            options = configuration.GetSection(AgentOptions.SectionName).Get<AgentOptions>() ?? new AgentOptions();
        }
        catch (InvalidOperationException e)
        {
            errors.Add($"{AgentOptions.SectionName}: {e.Message}");
            options = new AgentOptions();
        }

        errors.AddRange(options.Policy().Validate().Select(e => $"{AgentOptions.SectionName}:{e}"));
        if (!EndpointText.TryParse(options.Http, defaultPort: null, out IPEndPoint http, out string httpError))
        {
            errors.Add($"{AgentOptions.SectionName}:Http: {httpError}");
        }

        if (options.RescanSeconds is < 1 or > 86_400)
        {
            errors.Add($"{AgentOptions.SectionName}:RescanSeconds: {options.RescanSeconds} is not between 1 and 86400");
        }

        if (ConfigSnapshotProblem(options) is { } snapshotProblem)
        {
            errors.Add($"{AgentOptions.SectionName}:ConfigSnapshot: {snapshotProblem}");
        }
        else if (!string.IsNullOrEmpty(options.ConfigSnapshot))
        {
            // Absolute once, here: relative to the directory the command was started in, as the user meant it.
            options.ConfigSnapshot = Path.GetFullPath(options.ConfigSnapshot, context.CurrentDirectory);
        }

        if (errors.Count > 0)
        {
            context.Error.WriteLine($"userdisk attach-agent: the configuration has {errors.Count} error(s); nothing was started:");
            foreach (string error in errors)
            {
                context.Error.WriteLine($"  error: {error}");
            }

            return (null, ExitCodes.Usage);
        }

        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "userdisk-attach-agent", ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(http);
        });
        builder.Services.AddRoutingCore();
        builder.Logging.AddConfiguration(configuration.GetSection("Logging"));
        builder.Logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.UseUtcTimestamp = true;
            console.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z' ";
        });
        builder.Services.AddMetrics();
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<AgentService>();
        builder.Services.AddHostedService(services => services.GetRequiredService<AgentService>());
        builder.Services.AddHostedService(services => new Hosting.SystemdNotifier(
            services.GetRequiredService<IHostApplicationLifetime>(), services.GetRequiredService<ILogger<Hosting.SystemdNotifier>>()));
        builder.Services.AddSingleton(services =>
        {
            IMeterFactory factory = services.GetRequiredService<IMeterFactory>();
            return new PrometheusExporter(meter => PrometheusExporter.IsUserDiskMeter(meter, factory));
        });
        context.ConfigureHost?.Invoke(builder);

        WebApplication app = builder.Build();
        _ = app.Services.GetRequiredService<PrometheusExporter>();
        app.MapGet("/status", async (AgentService agent, CancellationToken cancellationToken) =>
            Results.Json(await agent.Manager.ReadStatusAsync(cancellationToken).ConfigureAwait(false), StatusJson));
        app.MapGet("/healthz", () => Results.Text("ok", "text/plain; charset=utf-8"));
        app.MapGet("/metrics", (PrometheusExporter exporter) => Results.Text(exporter.Scrape(), PrometheusText.ContentType));
        return (app, ExitCodes.Success);
    }

    /// <summary>Why <see cref="AgentOptions.ConfigSnapshot"/> cannot be used, or null (also when it is empty: no snapshot).</summary>
    private string? ConfigSnapshotProblem(AgentOptions options)
    {
        string path = options.ConfigSnapshot;
        if (string.IsNullOrEmpty(path))
        {
            return null;
        }

        if (string.IsNullOrWhiteSpace(path) || path.Contains('\0', StringComparison.Ordinal))
        {
            return $"'{path}' is not a file path (leave it empty to write no snapshot)";
        }

        string full = Path.GetFullPath(path, context.CurrentDirectory);
        if (Path.EndsInDirectorySeparator(path) || Directory.Exists(full))
        {
            return $"'{path}' is a directory; name the file to write";
        }

        if (!string.IsNullOrEmpty(options.StateFile) && full == Path.GetFullPath(options.StateFile, context.CurrentDirectory))
        {
            return $"'{path}' is also StateFile; the snapshot would overwrite the remembered LUN numbers";
        }

        return null;
    }

    public async Task<int> RunAsync(string? configFile, CancellationToken cancellationToken)
    {
        (WebApplication? app, int exitCode) = Prepare(configFile);
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
                await context.Error.WriteLineAsync($"userdisk attach-agent: could not start: {e.Message}").ConfigureAwait(false);
                return ExitCodes.Failure;
            }

            await app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
            return ExitCodes.Success;
        }
    }
}
