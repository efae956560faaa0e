using System.Text.Json.Serialization;

namespace UserDisk.Platform.Attach;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(AttachStateDocument))]
internal sealed partial class AttachStateJson : JsonSerializerContext;
