using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using UserDisk.Server.Configuration;
using UserDisk.Server.Events;
using UserDisk.Server.Frontends;
using UserDisk.Server.Frontends.Iscsi;
using UserDisk.Server.Frontends.Scst;
using UserDisk.Server.Http;
using UserDisk.Server.Inventory;
using UserDisk.Server.Metrics;

namespace UserDisk.Server.Hosting;

/// <summary>
/// Composes the <c>serve</c> process on the generic host: the LUNs, the iSCSI front end, the HTTP endpoints on
/// Kestrel, metrics and console logging. SIGTERM and SIGINT stop it gracefully (the host's console lifetime).
/// </summary>
public static class ServeHost
{
    /// <summary>Time granted after the iSCSI shutdown timeout to flush and close the backstores.</summary>
    public static readonly TimeSpan FlushAllowance = TimeSpan.FromSeconds(60);

    /// <param name="options">The validated configuration.</param>
    /// <param name="configuration">The merged configuration (its <c>Logging</c> section sets log levels).</param>
    /// <param name="output">Where the ready-to-paste connection hints go.</param>
    /// <param name="configure">Last changes before the host is built (tests replace logging).</param>
    public static WebApplication Build(
        UserDiskOptions options,
        IConfiguration configuration,
        TextWriter output,
        Action<WebApplicationBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(configuration);

        // The empty builder adds no configuration sources of its own: ConfigurationLayers already decided
        // what the configuration is, and nothing should sneak in from ASPNETCORE_URLS or a stray appsettings file.
        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions
        {
            ApplicationName = "userdisk",
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration.AddConfiguration(configuration);
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(options.Http);
        });
        builder.Services.AddRoutingCore();

        builder.Logging.AddConfiguration(configuration.GetSection("Logging"));

        // A failed start is reported by ServeRunner in one line per reason; the host's own record of it is a
        // stack trace that says nothing more.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
        builder.Logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.UseUtcTimestamp = true;
            console.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z' ";
        });

        builder.Services.Configure<HostOptions>(host =>
        {
            host.ShutdownTimeout = options.ShutdownTimeout + FlushAllowance;
            host.ServicesStartConcurrently = false;
            host.ServicesStopConcurrently = false;
        });
        builder.Services.Configure<ConsoleLifetimeOptions>(lifetime => lifetime.SuppressStatusMessages = true);

        builder.Services.AddMetrics();
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(new ConsoleOutput(output));
        builder.Services.AddSingleton<LunCatalog>();
        builder.Services.AddSingleton<Readiness>();
        builder.Services.AddSingleton<LunMetrics>();
        builder.Services.AddSingleton<EventHub>();
        builder.Services.AddSingleton(services =>
        {
            IMeterFactory factory = services.GetRequiredService<IMeterFactory>();
            return new PrometheusExporter(meter => PrometheusExporter.IsUserDiskMeter(meter, factory));
        });

        // Hosted services start in this order and stop in reverse: LUNs open before the front end listens and
        // are flushed and closed only after it has stopped.
        builder.Services.AddSingleton<LogicalUnitService>();
        builder.Services.AddHostedService(services => services.GetRequiredService<LogicalUnitService>());
        if (options.Frontend == FrontendKind.Scst)
        {
            builder.Services.AddScstFrontend();
            builder.Services.AddSingleton<ILunProjector>(services => services.GetRequiredService<ScstFrontendService>());
        }
        else
        {
            builder.Services.AddIscsiFrontend();
            builder.Services.AddSingleton<ILunProjector>(services => services.GetRequiredService<IscsiFrontendService>());
        }

        builder.Services.AddHostedService(services => new SystemdNotifier(
            services.GetRequiredService<IHostApplicationLifetime>(), services.GetRequiredService<ILogger<SystemdNotifier>>()));
        builder.Services.AddSingleton<WebhookPublisher>();
        builder.Services.AddHostedService(services => services.GetRequiredService<WebhookPublisher>());

        // After the front end: it starts once the front end serves, and stops (keeping its LUNs for the LUN service
        // to close) before the front end does.
        if (options.Inventory is not null)
        {
            builder.Services.AddSingleton<InventoryService>();
            builder.Services.AddHostedService(services => services.GetRequiredService<InventoryService>());
        }

        configure?.Invoke(builder);

        WebApplication app = builder.Build();

        // Readiness drops the moment shutdown begins, before any hosted service stops.
        Readiness readiness = app.Services.GetRequiredService<Readiness>();
        app.Lifetime.ApplicationStopping.Register(readiness.Stopping);

        // Created now so that the exporter sees the per-LUN meter from the first scrape on.
        _ = app.Services.GetRequiredService<PrometheusExporter>();
        _ = app.Services.GetRequiredService<LunMetrics>();

        HttpEndpoints.Map(app);
        return app;
    }
}
