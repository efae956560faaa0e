using System.Text.Json.Nodes;

namespace UserDisk.Deployment.Tests;

/// <summary>One YAML document of a manifest file, as JSON nodes (every YAML scalar is a string).</summary>
internal sealed record Manifest(string File, int Index, JsonObject Document)
{
    public string? ApiVersion => Document["apiVersion"]?.GetValue<string>();

    public string? Kind => Document["kind"]?.GetValue<string>();

    public string? Name => Document["metadata"]?["name"]?.GetValue<string>();

    public override string ToString() => $"{System.IO.Path.GetFileName(File)}#{Index} {Kind}/{Name}";
}
