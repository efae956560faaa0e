using System.Collections;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using UserDisk.Server.Configuration;

namespace UserDisk.Deployment.Tests;

/// <summary>
/// The handler's configuration as the pod would see it: the image's appsettings.json, the ConfigMap's file as
/// --config, the container's USERDISK__ environment (secretKeyRef values taken from the Secret template), the
/// --frontend flag, and every *File key that points into the Secret's mount replaced by a temporary file holding
/// that Secret key's value.
/// </summary>
internal static class HandlerConfiguration
{
    public const string DeploymentName = "userdisk-handler";

    public static OptionsReadResult Read(KubernetesManifests manifests, TempDirectory temp)
    {
        Manifest deployment = manifests.Single("Deployment", DeploymentName);
        JsonObject pod = KubernetesManifests.PodSpec(deployment);
        JsonObject container = KubernetesManifests.Containers(pod).Single();
        List<string> args = container["args"]!.AsArray().Select(KubernetesManifests.Text).ToList();

        // --config FILE: the file comes from the ConfigMap volume mounted at its directory.
        string configPath = args[args.IndexOf("--config") + 1];
        (JsonObject configVolume, _) = KubernetesManifests.MountedAt(pod, container, Path.GetDirectoryName(configPath)!);
        string json = VolumeFile(manifests, configVolume, "configMap", "name", Path.GetFileName(configPath));

        string baseDirectory = Directory.CreateDirectory(Path.Combine(temp.Path, "app")).FullName;
        File.Copy(RepositoryPaths.ServerAppSettings, Path.Combine(baseDirectory, ConfigurationLayers.DefaultFileName));
        string configFile = Path.Combine(temp.Path, Path.GetFileName(configPath));
        File.WriteAllText(configFile, json);

        Hashtable environment = new();
        foreach (JsonObject env in (container["env"]?.AsArray() ?? []).Select(e => e!.AsObject()))
        {
            string name = KubernetesManifests.Text(env["name"]);
            if (env["valueFrom"]?["secretKeyRef"] is JsonObject secretKey)
            {
                Manifest secret = manifests.Single("Secret", KubernetesManifests.Text(secretKey["name"]));
                environment[name] = KubernetesManifests.Value(secret, KubernetesManifests.Text(secretKey["key"]));
            }
            else
            {
                environment[name] = KubernetesManifests.Text(env["value"]);
            }
        }

        var overrides = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        int frontend = args.IndexOf("--frontend");
        if (frontend >= 0)
        {
            overrides["UserDisk:Frontend"] = args[frontend + 1];
        }

        // Secret files: keys ending in File whose path lies in a mounted Secret volume.
        IConfigurationRoot file = new ConfigurationBuilder().AddJsonFile(configFile).Build();
        foreach ((string key, string? value) in file.AsEnumerable())
        {
            if (value is null || !key.EndsWith("File", StringComparison.Ordinal) || !value.StartsWith('/'))
            {
                continue;
            }

            (JsonObject secretVolume, _) = KubernetesManifests.MountedAt(pod, container, Path.GetDirectoryName(value)!);
            string content = VolumeFile(manifests, secretVolume, "secret", "secretName", Path.GetFileName(value));
            string local = Path.Combine(temp.Path, "secret-" + Path.GetFileName(value));
            File.WriteAllText(local, content);
            overrides[key] = local;
        }

        (IConfigurationRoot configuration, IReadOnlyList<ConfigurationProblem> loadProblems) = new ConfigurationLayers
        {
            BaseDirectory = baseDirectory,
            ConfigFile = configFile,
            Environment = environment,
            Overrides = overrides,
        }.Build();
        Assert.Empty(loadProblems);
        return UserDiskOptionsReader.Read(configuration, new ReaderSettings { CurrentDirectory = temp.Path });
    }

    /// <summary>The content of file <paramref name="fileName"/> in a ConfigMap or Secret volume (items map paths to keys).</summary>
    public static string VolumeFile(KubernetesManifests manifests, JsonObject volume, string sourceField, string nameField, string fileName)
    {
        JsonObject source = volume[sourceField]?.AsObject() ?? throw new InvalidDataException($"volume {volume["name"]} is not a {sourceField}");
        Manifest manifest = manifests.Single(sourceField == "secret" ? "Secret" : "ConfigMap", KubernetesManifests.Text(source[nameField]));
        string key = fileName;
        if (source["items"] is JsonArray items)
        {
            JsonNode item = items.Single(i => KubernetesManifests.Text(i!["path"]) == fileName)!;
            key = KubernetesManifests.Text(item["key"]);
        }

        return KubernetesManifests.Value(manifest, key);
    }
}
