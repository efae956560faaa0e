using System.Collections;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using UserDisk.Server.Cli;

namespace UserDisk.Server.Tests;

/// <summary>
/// What every test of the real <c>serve</c> host needs: a data directory, captured logs and console, the
/// USERDISK__ environment the test fills in, and a started host built exactly as the command builds it.
/// </summary>
public abstract class ServeTestBase : IDisposable
{
    protected TempDirectory Data { get; } = new();

    protected CapturingLoggerProvider Logs { get; } = new();

    protected ObservedWriter Out { get; } = new();

    protected StringWriter Error { get; } = new();

    /// <summary>USERDISK__… variables the host reads (the only configuration besides the arguments).</summary>
    protected Hashtable Settings { get; } = new() { ["USERDISK__SHUTDOWNTIMEOUT"] = "5" };

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            Data.Dispose();
            Logs.Dispose();
            Out.Dispose();
            Error.Dispose();
        }
    }

    /// <summary>The embedded iSCSI target and HTTP on ephemeral loopback ports.</summary>
    protected virtual ServeArguments Arguments() => new() { Frontend = "iscsi", Http = "127.0.0.1:0", Portal = "127.0.0.1:0" };

    protected CliContext Context() => new()
    {
        BaseDirectory = Data.Path,
        CurrentDirectory = Data.Path,
        Environment = Settings,
        Out = Out,
        Error = Error,
        ConfigureHost = builder =>
        {
            builder.Logging.ClearProviders();
            builder.Logging.AddProvider(Logs);
            builder.Logging.SetMinimumLevel(LogLevel.Trace);
        },
    };

    protected async Task<WebApplication> StartAsync()
    {
        (WebApplication? app, int exitCode) = new ServeRunner(Context()).Prepare(Arguments());
        Assert.True(app is not null, $"exit code {exitCode}: {Error}");
        await app.StartAsync(TestContext.Current.CancellationToken);
        return app;
    }
}
