namespace UserDisk.Storage.Tests;

/// <summary>
/// One s3rver shared by a test class. When s3rver is not installed the fixture still constructs, and each test
/// calls <see cref="Require"/>: skipped on a developer machine, failed on CI (CI=true), both saying to run
/// scripts/install-deps.sh.
/// </summary>
public sealed class S3rverFixture : IAsyncLifetime
{
    public const string BucketName = "userdisk-tests";

    private S3rverServer? _server;
    private string? _unavailable;

    internal S3rverServer Server => _server ?? throw new InvalidOperationException(_unavailable ?? "s3rver is not started.");

    /// <summary>The server, or the test is skipped (developer machine) or failed (CI) saying why there is none.</summary>
    internal S3rverServer Require()
    {
        if (_server is null)
        {
            TestEnvironment.Unavailable(_unavailable ?? "s3rver is not started.");
        }

        return _server;
    }

    /// <summary>A server of the test's own, for tests that stop or freeze it; skips or fails the test as <see cref="Require"/> does.</summary>
    internal static async Task<S3rverServer> StartOwnAsync(CancellationToken cancellationToken)
    {
        string? package = S3rverServer.FindPackage(out string? reason);
        if (package is null)
        {
            TestEnvironment.Unavailable(reason!);
        }

        return await S3rverServer.StartAsync(package, BucketName, cancellationToken);
    }

    public async ValueTask InitializeAsync()
    {
        string? package = S3rverServer.FindPackage(out _unavailable);
        if (package is not null)
        {
            _server = await S3rverServer.StartAsync(package, BucketName, TestContext.Current.CancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
