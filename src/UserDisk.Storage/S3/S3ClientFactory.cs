using System.Collections.Concurrent;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;

namespace UserDisk.Storage.S3;

/// <summary>
/// Hands out one <see cref="AmazonS3Client"/> per endpoint, region, addressing style and credentials, so every
/// backstore on the same store shares one client and with it one HTTP connection pool.
/// </summary>
/// <remarks>
/// <para>Clients are made with the SDK's own retries off (<see cref="ClientConfig.MaxErrorRetry"/> = 0): the
/// backstore retries with back-off under its own time limit, and two nested retry loops would multiply the wait.</para>
/// <para>Flexible checksums are asked for only when an operation requires them: S3-compatible stores such as
/// s3rver do not understand the aws-chunked framing the SDK otherwise sends, and store it inside the object.</para>
/// </remarks>
public sealed class S3ClientFactory : IDisposable
{
    private readonly ConcurrentDictionary<ClientKey, Lazy<AmazonS3Client>> _clients = new();

    /// <summary>The process-wide factory; its clients live as long as the process.</summary>
    public static S3ClientFactory Shared { get; } = new();

    /// <summary>The client for <paramref name="options"/>'s endpoint, region, path style and credentials.</summary>
    public IAmazonS3 GetClient(S3Options options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var key = new ClientKey(options.Endpoint, options.Region, options.ForcePathStyle, options.AccessKey, options.SecretKey);

        // Lazy: two threads racing for the same key must not both build a client (each owns an HttpClient).
        return _clients.GetOrAdd(key, static k => new Lazy<AmazonS3Client>(() => Create(k))).Value;
    }

    /// <summary>Builds an unshared client configured as <see cref="GetClient"/> would; the caller disposes it.</summary>
    public static AmazonS3Client CreateClient(S3Options options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return Create(new ClientKey(options.Endpoint, options.Region, options.ForcePathStyle, options.AccessKey, options.SecretKey));
    }

    public void Dispose()
    {
        foreach (Lazy<AmazonS3Client> client in _clients.Values)
        {
            if (client.IsValueCreated)
            {
                client.Value.Dispose();
            }
        }

        _clients.Clear();
    }

    private static AmazonS3Client Create(ClientKey key)
    {
        var config = new AmazonS3Config
        {
            ForcePathStyle = key.ForcePathStyle,
            MaxErrorRetry = 0,
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        if (key.Endpoint is null)
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(key.Region);
        }
        else
        {
            // ServiceURL and RegionEndpoint exclude each other; the region still goes into the signature.
            config.ServiceURL = key.Endpoint;
            config.AuthenticationRegion = key.Region;
        }

        return key.AccessKey is null
            ? new AmazonS3Client(config)
            : new AmazonS3Client(new BasicAWSCredentials(key.AccessKey, key.SecretKey), config);
    }

    private readonly record struct ClientKey(string? Endpoint, string Region, bool ForcePathStyle, string? AccessKey, string? SecretKey);
}
