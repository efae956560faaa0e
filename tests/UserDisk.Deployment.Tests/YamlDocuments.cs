using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace UserDisk.Deployment.Tests;

/// <summary>Reads every document of a YAML stream (documents separated by ---) into JSON nodes.</summary>
internal static class YamlDocuments
{
    private static readonly IDeserializer Deserializer = new DeserializerBuilder().Build();

    public static List<JsonNode?> Parse(string yaml)
    {
        var documents = new List<JsonNode?>();
        var parser = new Parser(new StringReader(yaml));
        parser.Consume<StreamStart>();
        while (parser.Accept<DocumentStart>(out _))
        {
            documents.Add(ToJson(Deserializer.Deserialize<object?>(parser)));
        }

        parser.Consume<StreamEnd>();
        return documents;
    }

    private static JsonNode? ToJson(object? value) => value switch
    {
        null => null,
        Dictionary<object, object?> map => new JsonObject(map.Select(p => KeyValuePair.Create(Convert.ToString(p.Key, System.Globalization.CultureInfo.InvariantCulture)!, ToJson(p.Value)))),
        List<object?> list => new JsonArray(list.Select(ToJson).ToArray()),
        string text => JsonValue.Create(text),
        _ => throw new InvalidDataException($"unexpected YAML node {value.GetType().Name}"),
    };
}
