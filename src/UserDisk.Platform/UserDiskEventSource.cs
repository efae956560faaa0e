using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace UserDisk.Platform;

/// <summary>
/// Registrations from a UserDisk <c>serve</c>'s own event stream (<c>GET /events</c>, NDJSON): the second source
/// besides /dev/scst_event, useful where the agent cannot open the event device or wants UserDisk's view. Each
/// <c>device.registered</c> event of the scst front end yields its device name; the stream reconnects after a
/// failure, with a pause, for as long as the agent runs.
/// </summary>
public sealed partial class UserDiskEventSource(Uri events, ILogger logger, TimeSpan? reconnectDelay = null)
{
    private readonly TimeSpan _reconnectDelay = reconnectDelay ?? TimeSpan.FromSeconds(2);

    public async IAsyncEnumerable<string> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        while (!cancellationToken.IsCancellationRequested)
        {
            var names = new List<string>();
            Stream? stream = null;
            try
            {
                stream = await http.GetStreamAsync(events, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpRequestException or IOException)
            {
                LogUnavailable(logger, events, e.Message);
            }

            if (stream is not null)
            {
                using var reader = new StreamReader(stream);
                while (true)
                {
                    string? line;
                    try
                    {
                        line = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is HttpRequestException or IOException)
                    {
                        LogUnavailable(logger, events, e.Message);
                        break;
                    }

                    if (line is null)
                    {
                        break;
                    }

                    if (TryParseRegistration(line, out string? device, out string? problem))
                    {
                        yield return device!;
                    }
                    else if (problem is not null)
                    {
                        LogMalformed(logger, events, problem);
                    }
                }
            }

            await Task.Delay(_reconnectDelay, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A <c>device.registered</c> event of the scst front end; other events are not registrations.</summary>
    public static bool TryParseRegistration(string line, out string? device, out string? problem)
    {
        device = null;
        problem = null;
        if (string.IsNullOrWhiteSpace(line))
        {
            return false;
        }

        try
        {
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("type", out var type) || !root.TryGetProperty("device", out var name))
            {
                problem = "not a UserDisk event (no type or device)";
                return false;
            }

            bool scst = !root.TryGetProperty("frontend", out var frontend) || frontend.GetString() == "scst";
            if (type.GetString() != "device.registered" || !scst)
            {
                return false;
            }

            device = name.GetString();
            if (string.IsNullOrEmpty(device))
            {
                problem = "device.registered without a device name";
                return false;
            }

            return true;
        }
        catch (JsonException e)
        {
            problem = $"not JSON: {e.Message}";
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "UserDisk events at {Events} unavailable: {Reason}; reconnecting")]
    private static partial void LogUnavailable(ILogger logger, Uri events, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "UserDisk events at {Events}: skipped a line: {Problem}")]
    private static partial void LogMalformed(ILogger logger, Uri events, string problem);
}
