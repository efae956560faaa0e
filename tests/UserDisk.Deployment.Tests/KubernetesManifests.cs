using System.Text.Json.Nodes;

namespace UserDisk.Deployment.Tests;

/// <summary>The manifests of containers/k8s: every document of every *.yaml file, and what kustomization.yaml lists.</summary>
internal sealed class KubernetesManifests
{
    public const string KustomizationFile = "kustomization.yaml";

    private KubernetesManifests(IReadOnlyList<string> files, IReadOnlyList<Manifest> all, JsonObject kustomization)
    {
        Files = files;
        All = all;
        Kustomization = kustomization;
    }

    /// <summary>Every *.yaml file directly under containers/k8s (node files live in node/).</summary>
    public IReadOnlyList<string> Files { get; }

    /// <summary>Every document of every file, kustomization.yaml included.</summary>
    public IReadOnlyList<Manifest> All { get; }

    public JsonObject Kustomization { get; }

    /// <summary>The file names kustomization.yaml lists under resources.</summary>
    public IReadOnlyList<string> ResourceFiles =>
        Kustomization["resources"]!.AsArray().Select(r => r!.GetValue<string>()).ToList();

    /// <summary>The documents kustomize would apply.</summary>
    public IEnumerable<Manifest> Resources =>
        All.Where(m => ResourceFiles.Contains(Path.GetFileName(m.File), StringComparer.Ordinal));

    public static KubernetesManifests Load()
    {
        List<string> files = Directory.GetFiles(RepositoryPaths.Kubernetes, "*.yaml").Order(StringComparer.Ordinal).ToList();
        var all = new List<Manifest>();
        foreach (string file in files)
        {
            List<JsonNode?> documents = YamlDocuments.Parse(File.ReadAllText(file));
            for (int i = 0; i < documents.Count; i++)
            {
                if (documents[i] is JsonObject document)
                {
                    all.Add(new Manifest(file, i, document));
                }
                else if (documents[i] is not null)
                {
                    throw new InvalidDataException($"{Path.GetFileName(file)} document {i} is not a mapping");
                }
            }
        }

        Manifest kustomization = all.Single(m => Path.GetFileName(m.File) == KustomizationFile);
        return new KubernetesManifests(files, all, kustomization.Document);
    }

    public Manifest Single(string kind, string name) =>
        Resources.Single(m => m.Kind == kind && m.Name == name);

    /// <summary>The pod template spec of a workload (Deployment, DaemonSet, StatefulSet).</summary>
    public static JsonObject PodSpec(Manifest workload) => workload.Document["spec"]!["template"]!["spec"]!.AsObject();

    public static IEnumerable<JsonObject> Containers(JsonObject podSpec) =>
        (podSpec["initContainers"]?.AsArray() ?? []).Concat(podSpec["containers"]!.AsArray()).Select(c => c!.AsObject());

    public static IEnumerable<JsonObject> Volumes(JsonObject podSpec) =>
        (podSpec["volumes"]?.AsArray() ?? []).Select(v => v!.AsObject());

    public static JsonObject Volume(JsonObject podSpec, string name) =>
        Volumes(podSpec).Single(v => v["name"]!.GetValue<string>() == name);

    /// <summary>The volume mounted at <paramref name="mountPath"/> in <paramref name="container"/>, with its mount.</summary>
    public static (JsonObject Volume, JsonObject Mount) MountedAt(JsonObject podSpec, JsonObject container, string mountPath)
    {
        JsonObject mount = container["volumeMounts"]!.AsArray().Select(m => m!.AsObject())
            .Single(m => m["mountPath"]!.GetValue<string>() == mountPath);
        return (Volume(podSpec, mount["name"]!.GetValue<string>()), mount);
    }

    /// <summary>The keys a ConfigMap or Secret holds (data, binaryData, stringData).</summary>
    public static HashSet<string> Keys(Manifest source) =>
        new[] { "data", "binaryData", "stringData" }
            .SelectMany(field => source.Document[field]?.AsObject().Select(p => p.Key) ?? [])
            .ToHashSet(StringComparer.Ordinal);

    /// <summary>A ConfigMap's or Secret's value for <paramref name="key"/> as text.</summary>
    public static string Value(Manifest source, string key)
    {
        if (source.Document["stringData"]?[key] is JsonNode text)
        {
            return text.GetValue<string>();
        }

        string value = source.Document["data"]![key]!.GetValue<string>();
        return source.Kind == "Secret" ? System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(value)) : value;
    }

    public static string Text(JsonNode? node) => node?.GetValue<string>() ?? throw new InvalidDataException("missing value");
}
