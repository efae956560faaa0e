using System.Globalization;
using System.Text.Json;
using UserDisk.Server.Cli;

namespace UserDisk.Server.Agent;

/// <summary>
/// <c>userdisk status [--url URL] [--json]</c>: what an attach agent manages — each device, its state, LUN mapping
/// and last error — as a table for people or the agent's JSON for machines.
/// </summary>
public sealed class StatusRunner(CliContext context)
{
    public const string DefaultUrl = "http://127.0.0.1:9091/status";

    public async Task<int> RunAsync(Uri url, bool json, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        string body;
        using (var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) })
        {
            try
            {
                body = await http.GetStringAsync(url, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                await context.Error.WriteLineAsync($"userdisk status: {url}: {e.Message} (is `userdisk attach-agent` running there?)").ConfigureAwait(false);
                return ExitCodes.Failure;
            }
        }

        if (json)
        {
            await context.Out.WriteLineAsync(body).ConfigureAwait(false);
            return ExitCodes.Success;
        }

        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        await context.Out.WriteLineAsync("DEVICE                                            STATE          TARGET                                    LUN   RO  ATTEMPTS  LAST ERROR").ConfigureAwait(false);
        foreach (var device in Property(root, "devices").EnumerateArray())
        {
            string target = $"{Text(device, "driver")}/{Text(device, "target")}{(Text(device, "group") is { Length: > 0 } g ? "/" + g : string.Empty)}";
            string line = string.Create(CultureInfo.InvariantCulture, $"{Text(device, "device"),-49} {Text(device, "state"),-14} {target,-41} {Text(device, "lun"),-5} {(Property(device, "readOnly").ValueKind == JsonValueKind.True ? "yes" : "no"),-3} {Text(device, "attempts"),-9} {Text(device, "lastError")}");
            await context.Out.WriteLineAsync(line.TrimEnd()).ConfigureAwait(false);
        }

        foreach (var error in Property(root, "setupErrors").EnumerateArray())
        {
            await context.Out.WriteLineAsync($"setup error: {error.GetString()}").ConfigureAwait(false);
        }

        return ExitCodes.Success;
    }

    private static JsonElement Property(JsonElement element, string name)
    {
        foreach (var property in element.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return property.Value;
            }
        }

        return default;
    }

    private static string Text(JsonElement element, string name)
    {
        var value = Property(element, name);
        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString() ?? string.Empty,
            JsonValueKind.Number => value.GetRawText(),
            JsonValueKind.Undefined or JsonValueKind.Null => string.Empty,
            _ => value.GetRawText(),
        };
    }
}
