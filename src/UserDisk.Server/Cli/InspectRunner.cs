using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Configuration;
using UserDisk.Server.Configuration;
using UserDisk.Server.Hosting;
using UserDisk.Storage;
using UserDisk.Storage.S3;

namespace UserDisk.Server.Cli;

/// <summary>
/// <c>userdisk inspect URI [--verify]</c>: what an operator needs to know about a backstore before serving it — size,
/// block size, read-only, identity (the serial and NAA designator derive from it), the squashfs superblock, the S3
/// ETag — and with <c>--verify</c> a sha256 of the whole content, read through the same code that serves it.
/// </summary>
public sealed class InspectRunner(CliContext context)
{
    private const int ChunkBytes = 1 << 20;

    public async Task<int> RunAsync(string uri, string? configFile, bool verify, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(uri);
        BackstoreUri parsed;
        try
        {
            parsed = BackstoreUri.Parse(uri);
        }
        catch (FormatException e)
        {
            await context.Error.WriteLineAsync($"userdisk inspect: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        var layers = new ConfigurationLayers
        {
            BaseDirectory = context.BaseDirectory,
            ConfigFile = configFile is null ? null : Path.GetFullPath(configFile, context.CurrentDirectory),
            Environment = context.Environment,
        };
        (IConfigurationRoot configuration, IReadOnlyList<ConfigurationProblem> loadProblems) = layers.Build();
        var (s3, problems) = UserDiskOptionsReader.ReadS3Section(configuration, new ReaderSettings { CurrentDirectory = context.CurrentDirectory });
        foreach (var problem in loadProblems.Concat(problems).Where(p => p.Severity == ProblemSeverity.Error))
        {
            await context.Error.WriteLineAsync($"userdisk inspect: {problem.Key}: {problem.Message}").ConfigureAwait(false);
        }

        if (loadProblems.Concat(problems).Any(p => p.Severity == ProblemSeverity.Error))
        {
            return ExitCodes.Usage;
        }

        IBackstore backstore;
        try
        {
            backstore = await parsed.OpenAsync("inspect", s3, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException or Amazon.Runtime.AmazonServiceException or Amazon.Runtime.AmazonClientException)
        {
            await context.Error.WriteLineAsync($"userdisk inspect: {uri}: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        using (backstore)
        {
            var output = context.Out;
            long content = backstore switch
            {
                SquashfsBackstore image => image.ObjectLength,
                S3Backstore direct => direct.ObjectLength,
                _ => backstore.Length,
            };
            await output.WriteLineAsync($"backstore   {uri}").ConfigureAwait(false);
            await output.WriteLineAsync($"kind        {parsed.Kind.ToString().ToLowerInvariant()}").ConfigureAwait(false);
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"size        {backstore.Length} bytes ({new ByteSize(backstore.Length)}), {backstore.Length / backstore.BlockSize} blocks of {backstore.BlockSize}")).ConfigureAwait(false);
            if (content != backstore.Length)
            {
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"content     {content} bytes; the last block is zero-filled past it")).ConfigureAwait(false);
            }

            await output.WriteLineAsync($"read-only   {(backstore.IsReadOnly ? "yes" : "no")}").ConfigureAwait(false);
            await output.WriteLineAsync($"identity    {backstore.Identity}").ConfigureAwait(false);
            var s3Object = backstore as S3Backstore ?? (backstore as SquashfsBackstore)?.Inner as S3Backstore;
            if (s3Object is not null)
            {
                await output.WriteLineAsync($"s3 object   {s3Object.Location} ETag {s3Object.ETag}").ConfigureAwait(false);
            }

            if (backstore is SquashfsBackstore squashfs)
            {
                await output.WriteLineAsync($"squashfs    {squashfs.Superblock.Summary}").ConfigureAwait(false);
            }

            if (verify)
            {
                string hash = await HashAsync(backstore, content, cancellationToken).ConfigureAwait(false);
                await output.WriteLineAsync($"sha256      {hash}  (first {content} bytes)").ConfigureAwait(false);
            }
        }

        return ExitCodes.Success;
    }

    private async Task<string> HashAsync(IBackstore backstore, long length, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] buffer = new byte[ChunkBytes];
        var clock = Stopwatch.StartNew();
        long lastReport = -1;
        for (long offset = 0; offset < length;)
        {
            int count = (int)Math.Min(buffer.Length, backstore.Length - offset);
            await backstore.ReadAsync(offset, buffer.AsMemory(0, count), cancellationToken).ConfigureAwait(false);
            int take = (int)Math.Min(count, length - offset);
            hash.AppendData(buffer, 0, take);
            offset += take;
            long tenth = clock.ElapsedMilliseconds / 100;
            if (tenth != lastReport || offset == length)
            {
                lastReport = tenth;
                await context.Error.WriteAsync(Progress(offset, length, clock.Elapsed)).ConfigureAwait(false);
            }
        }

        await context.Error.WriteLineAsync().ConfigureAwait(false);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static string Progress(long done, long total, TimeSpan elapsed)
    {
        const int width = 30;
        int filled = total == 0 ? width : (int)(done * width / total);
        double rate = elapsed.TotalSeconds > 0 ? done / elapsed.TotalSeconds / (1 << 20) : 0;
        return string.Create(CultureInfo.InvariantCulture, $"\r[{new string('#', filled)}{new string('-', width - filled)}] {done * 100 / Math.Max(1, total),3}% {new ByteSize(done)} {rate:0.0} MiB/s ");
    }
}
