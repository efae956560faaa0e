using System.Globalization;
using System.Text.Json.Serialization;

namespace UserDisk.Server.Events;

/// <summary>
/// One lifecycle event, in the stable JSON shape the platform consumes (version 1): what happened to which device,
/// on which front end, with what it looks like to an initiator. Never carries credentials: backstore strings hold
/// none (S3 credentials live in UserDisk:S3).
/// </summary>
/// <remarks>
/// Types: device.registered, device.unregistered, device.capacity_changed, backstore.failed, backstore.recovered,
/// inventory.added, inventory.removed, inventory.replaced, inventory.refused. New fields may be added within version
/// 1; renaming or removing one makes version 2.
/// </remarks>
public sealed record UserDiskEvent
{
    public const int CurrentVersion = 1;

    [JsonPropertyName("version")]
    public int Version { get; init; } = CurrentVersion;

    /// <summary>Increases by one per event in this process; a subscriber sees gaps as lost events.</summary>
    [JsonPropertyName("sequence")]
    public long Sequence { get; init; }

    [JsonPropertyName("type")]
    public required string Type { get; init; }

    [JsonPropertyName("time")]
    public DateTimeOffset Time { get; init; }

    /// <summary>The SCST device name under scst_user; the LUN name under the embedded iSCSI target.</summary>
    [JsonPropertyName("device")]
    public required string Device { get; init; }

    /// <summary>"scst" or "iscsi".</summary>
    [JsonPropertyName("frontend")]
    public string? Frontend { get; init; }

    [JsonPropertyName("target")]
    public string? Target { get; init; }

    [JsonPropertyName("lun")]
    public ulong? Lun { get; init; }

    [JsonPropertyName("size_bytes")]
    public long? SizeBytes { get; init; }

    [JsonPropertyName("block_size")]
    public int? BlockSize { get; init; }

    [JsonPropertyName("read_only")]
    public bool? ReadOnly { get; init; }

    /// <summary>Unit serial number (VPD 80h).</summary>
    [JsonPropertyName("serial")]
    public string? Serial { get; init; }

    /// <summary>NAA designator (VPD 83h) as 16 hex digits.</summary>
    [JsonPropertyName("naa")]
    public string? Naa { get; init; }

    [JsonPropertyName("backstore")]
    public string? Backstore { get; init; }

    /// <summary>Inventory image key, for inventory events.</summary>
    [JsonPropertyName("image")]
    public string? Image { get; init; }

    [JsonPropertyName("reason")]
    public string? Reason { get; init; }

    public static string FormatNaa(ulong naa) => naa.ToString("x16", CultureInfo.InvariantCulture);

    /// <summary>The JSON form (what log lines carry).</summary>
    public override string ToString() => System.Text.Json.JsonSerializer.Serialize(this, UserDiskEventJson.Readable.UserDiskEvent);
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(UserDiskEvent))]
internal sealed partial class UserDiskEventJson : JsonSerializerContext
{
    /// <summary>
    /// '&amp;', '&lt;' and quotes in backstore strings stay as written: events go to logs, NDJSON and SSE, never into
    /// HTML, so the default HTML-safe escaping (\u0026) would only make them harder to read.
    /// </summary>
    public static UserDiskEventJson Readable { get; } = new(new System.Text.Json.JsonSerializerOptions
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
