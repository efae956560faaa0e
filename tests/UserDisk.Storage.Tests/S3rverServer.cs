using System.Diagnostics;
using System.Globalization;
using Amazon.S3;
using Amazon.S3.Model;
using UserDisk.Storage.S3;
using S3Location = UserDisk.Storage.S3.S3Location;

namespace UserDisk.Storage.Tests;

/// <summary>
/// A real S3 server on loopback: s3rver (npm, installed by scripts/install-deps.sh into .tools/s3rver) in a node
/// process of its own, with a temporary data directory and one bucket.
/// </summary>
internal sealed class S3rverServer : IAsyncDisposable
{
    public const string AccessKey = "S3RVER";
    public const string SecretKey = "S3RVER";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);

    private readonly Process _process;
    private readonly TempDirectory _data;
    private bool _stopped;

    private S3rverServer(Process process, TempDirectory data, string bucket, int port)
    {
        _process = process;
        _data = data;
        Bucket = bucket;
        Endpoint = $"http://127.0.0.1:{port}";

        // An unshared client: a stopped server's dead connections must not leak into other tests' pool.
        Client = S3ClientFactory.CreateClient(Options());
    }

    public string Bucket { get; }

    public string Endpoint { get; }

    /// <summary>A client for setting objects up (puts, deletes); the backstores under test get their own.</summary>
    public AmazonS3Client Client { get; }

    /// <summary>The s3rver package, or null with the reason it cannot be used.</summary>
    public static string? FindPackage(out string? reason)
    {
        string? root = RepositoryRoot();
        if (root is null)
        {
            reason = $"The repository root (UserDisk.sln) was not found above {AppContext.BaseDirectory}.";
            return null;
        }

        string package = Path.Combine(root, ".tools", "s3rver", "node_modules", "s3rver");
        if (!Directory.Exists(package))
        {
            reason = $"s3rver is not installed ({package} is missing): run scripts/install-deps.sh.";
            return null;
        }

        reason = null;
        return package;
    }

    public static async Task<S3rverServer> StartAsync(string package, string bucket, CancellationToken cancellationToken)
    {
        var data = new TempDirectory();
        string launcher = Path.Combine(AppContext.BaseDirectory, "s3rver", "launch.js");
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(launcher);
        start.ArgumentList.Add(package);
        start.ArgumentList.Add(data.Path);
        start.ArgumentList.Add(bucket);

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            data.Dispose();
            throw new InvalidOperationException($"node could not be started ({ex.Message}): run scripts/install-deps.sh.", ex);
        }

        try
        {
            Task<string> errors = process.StandardError.ReadToEndAsync(cancellationToken);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(StartTimeout);
            string? line = await process.StandardOutput.ReadLineAsync(timeout.Token);
            if (line is null || !line.StartsWith("listening ", StringComparison.Ordinal))
            {
                process.Kill();
                throw new InvalidOperationException($"s3rver did not start: {line} {await errors}".Trim());
            }

            int port = int.Parse(line["listening ".Length..], CultureInfo.InvariantCulture);
            return new S3rverServer(process, data, bucket, port);
        }
        catch
        {
            if (!process.HasExited)
            {
                process.Kill();
            }

            process.Dispose();
            data.Dispose();
            throw;
        }
    }

    /// <summary>Backstore options for this server: static credentials, path-style addressing.</summary>
    public S3Options Options() => new()
    {
        Endpoint = Endpoint,
        ForcePathStyle = true,
        AccessKey = AccessKey,
        SecretKey = SecretKey,
    };

    public S3Location Location(string key) => new(Bucket, key);

    /// <summary>Puts an object (without aws-chunked framing, which s3rver would store) and checks what was stored.</summary>
    public async Task<string> PutAsync(string key, byte[] content, CancellationToken cancellationToken)
    {
        using var stream = new MemoryStream(content, writable: false);
        PutObjectResponse put = await Client.PutObjectAsync(
            new PutObjectRequest { BucketName = Bucket, Key = key, InputStream = stream, UseChunkEncoding = false, AutoCloseStream = false },
            cancellationToken);

        using GetObjectResponse get = await Client.GetObjectAsync(Bucket, key, cancellationToken);
        var stored = new byte[content.Length + 1];
        int read = await get.ResponseStream.ReadAtLeastAsync(stored, stored.Length, throwOnEndOfStream: false, cancellationToken);
        if (read != content.Length || !stored.AsSpan(0, read).SequenceEqual(content))
        {
            throw new InvalidOperationException($"s3rver stored {read} bytes for the {content.Length} put to {key}, or other bytes.");
        }

        return put.ETag;
    }

    public async Task DeleteAsync(string key, CancellationToken cancellationToken) =>
        await Client.DeleteObjectAsync(Bucket, key, cancellationToken);

    /// <summary>Kills the server: connections are refused from now on.</summary>
    public void Stop()
    {
        if (!_stopped)
        {
            _stopped = true;
            _process.Kill();
            _process.WaitForExit();
        }
    }

    /// <summary>Stops (SIGSTOP) or resumes (SIGCONT) the server: a frozen server accepts connections but never answers.</summary>
    public void Freeze(bool frozen)
    {
        (int exitCode, string output) = TestEnvironment.Run("kill", frozen ? "-STOP" : "-CONT", _process.Id.ToString(CultureInfo.InvariantCulture));
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"kill failed: {output}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (!_stopped && !_process.HasExited)
        {
            Freeze(false);

            // Closing stdin asks the launcher to exit; kill it if it does not.
            _process.StandardInput.Close();
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await _process.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill();
            }
        }

        _process.Dispose();
        _data.Dispose();
    }

    private static string? RepositoryRoot()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "UserDisk.sln")))
            {
                return directory.FullName;
            }
        }

        return null;
    }
}
