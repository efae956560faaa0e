using System.Globalization;
using System.Text.Json;
using UserDisk.Server.Cli;

namespace UserDisk.Server.Agent;

/// <summary>
/// <c>userdisk status [--url URL] [--json]</c>: what an attach agent manages — each device, its state, LUN mapping
/// and last error; the sessions of its targets; set-up, session and snapshot errors — as tables for people or the
/// agent's JSON for machines.
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

        // An agent from before sessions were reported has no "sessions": then there is no table rather than an empty one.
        if (Property(root, "sessions") is { ValueKind: JsonValueKind.Array } sessions)
        {
            await context.Out.WriteLineAsync().ConfigureAwait(false);
            List<string[]> rows = [["TARGET", "INITIATOR", "SESSION", "LUNS", "ACTIVE", "COMMANDS"]];
            foreach (var session in sessions.EnumerateArray())
            {
                rows.Add(
                [
                    $"{Text(session, "driver")}/{Text(session, "target")}{(Text(session, "group") is { Length: > 0 } g ? "/" + g : string.Empty)}",
                    Text(session, "initiator"),
                    Text(session, "session"),
                    Property(session, "luns") is { ValueKind: JsonValueKind.Array } luns ? string.Join(',', luns.EnumerateArray().Select(static l => l.GetRawText())) : string.Empty,
                    Text(session, "activeCommands") is { Length: > 0 } active ? active : "-",
                    Text(session, "commands") is { Length: > 0 } commands ? commands : "-",
                ]);
            }

            foreach (string line in Columns(rows))
            {
                await context.Out.WriteLineAsync(line).ConfigureAwait(false);
            }

            if (rows.Count == 1)
            {
                await context.Out.WriteLineAsync("(no sessions: no initiator is logged in to the targets the agent manages)").ConfigureAwait(false);
            }
        }

        await WriteErrorsAsync(root, "setupErrors", "setup error").ConfigureAwait(false);
        await WriteErrorsAsync(root, "sessionErrors", "session error").ConfigureAwait(false);
        if (Text(root, "configSnapshotError") is { Length: > 0 } snapshotError)
        {
            await context.Out.WriteLineAsync($"config snapshot error: {snapshotError}").ConfigureAwait(false);
        }

        return ExitCodes.Success;
    }

    /// <summary>The rows as lines, each column as wide as its widest cell (IQNs and WWPNs vary too much for fixed widths).</summary>
    private static IEnumerable<string> Columns(List<string[]> rows)
    {
        int[] widths = [.. Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(r => r[c].Length))];
        return rows.Select(r => string.Join("  ", r.Select((cell, c) => cell.PadRight(widths[c]))).TrimEnd());
    }

    private async Task WriteErrorsAsync(JsonElement root, string property, string label)
    {
        if (Property(root, property) is not { ValueKind: JsonValueKind.Array } errors)
        {
            return;
        }

        foreach (var error in errors.EnumerateArray())
        {
            await context.Out.WriteLineAsync($"{label}: {error.GetString()}").ConfigureAwait(false);
        }
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
