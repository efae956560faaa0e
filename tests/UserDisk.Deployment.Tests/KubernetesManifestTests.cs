using System.Text.Json.Nodes;

namespace UserDisk.Deployment.Tests;

/// <summary>Structure of containers/k8s as a whole: parsing, kinds, kustomization, references between objects.</summary>
public sealed class KubernetesManifestTests
{
    private static readonly Dictionary<string, string> KnownKinds = new(StringComparer.Ordinal)
    {
        ["Namespace"] = "v1",
        ["ConfigMap"] = "v1",
        ["Secret"] = "v1",
        ["Service"] = "v1",
        ["ServiceAccount"] = "v1",
        ["Deployment"] = "apps/v1",
        ["StatefulSet"] = "apps/v1",
        ["DaemonSet"] = "apps/v1",
        ["NetworkPolicy"] = "networking.k8s.io/v1",
        ["Kustomization"] = "kustomize.config.k8s.io/v1beta1",
    };

    private static readonly string[] WorkloadKinds = ["Deployment", "StatefulSet", "DaemonSet"];

    private readonly KubernetesManifests _manifests = KubernetesManifests.Load();

    [Fact]
    public void Every_manifest_parses_and_names_its_kind_and_object()
    {
        Assert.NotEmpty(_manifests.Files);
        foreach (string file in _manifests.Files)
        {
            Assert.Contains(_manifests.All, m => m.File == file);
        }

        foreach (Manifest manifest in _manifests.All)
        {
            Assert.False(string.IsNullOrWhiteSpace(manifest.ApiVersion), $"{manifest}: apiVersion");
            Assert.False(string.IsNullOrWhiteSpace(manifest.Kind), $"{manifest}: kind");
            if (manifest.Kind != "Kustomization")
            {
                Assert.False(string.IsNullOrWhiteSpace(manifest.Name), $"{manifest}: metadata.name");
            }
        }
    }

    [Fact]
    public void Kinds_and_api_versions_are_known()
    {
        foreach (Manifest manifest in _manifests.All)
        {
            Assert.True(KnownKinds.TryGetValue(manifest.Kind!, out string? apiVersion), $"{manifest}: unknown kind");
            Assert.Equal(apiVersion, manifest.ApiVersion);
        }
    }

    [Fact]
    public void Kustomization_lists_every_manifest_and_nothing_else()
    {
        var onDisk = _manifests.Files.Select(f => Path.GetFileName(f)).Where(f => f != KubernetesManifests.KustomizationFile).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(onDisk, _manifests.ResourceFiles.Order(StringComparer.Ordinal).ToList());
        Assert.Equal(_manifests.ResourceFiles.Count, _manifests.ResourceFiles.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Object_names_are_unique_per_kind()
    {
        var duplicates = _manifests.Resources.GroupBy(m => (m.Kind, m.Name)).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.Empty(duplicates);
    }

    [Fact]
    public void Kustomization_sets_the_image_that_the_workloads_use()
    {
        JsonObject image = Assert.Single(_manifests.Kustomization["images"]!.AsArray())!.AsObject();
        string name = KubernetesManifests.Text(image["name"]);
        foreach (Manifest workload in Workloads())
        {
            foreach (JsonObject container in KubernetesManifests.Containers(KubernetesManifests.PodSpec(workload)))
            {
                string reference = KubernetesManifests.Text(container["image"]);
                Assert.Equal(name, reference.Split(':')[0]);
            }
        }
    }

    [Fact]
    public void Every_config_map_and_secret_a_workload_uses_exists_with_the_keys_it_uses()
    {
        var references = new List<(Manifest Workload, string Kind, string Name, string? Key)>();
        foreach (Manifest workload in Workloads())
        {
            JsonObject pod = KubernetesManifests.PodSpec(workload);
            foreach (JsonObject volume in KubernetesManifests.Volumes(pod))
            {
                if (volume["configMap"] is JsonObject configMap)
                {
                    AddVolumeReferences(references, workload, "ConfigMap", KubernetesManifests.Text(configMap["name"]), configMap);
                }

                if (volume["secret"] is JsonObject secret)
                {
                    AddVolumeReferences(references, workload, "Secret", KubernetesManifests.Text(secret["secretName"]), secret);
                }
            }

            foreach (JsonObject container in KubernetesManifests.Containers(pod))
            {
                foreach (JsonObject env in (container["env"]?.AsArray() ?? []).Select(e => e!.AsObject()))
                {
                    if (env["valueFrom"]?["secretKeyRef"] is JsonObject secretKey)
                    {
                        references.Add((workload, "Secret", KubernetesManifests.Text(secretKey["name"]), KubernetesManifests.Text(secretKey["key"])));
                    }

                    if (env["valueFrom"]?["configMapKeyRef"] is JsonObject configMapKey)
                    {
                        references.Add((workload, "ConfigMap", KubernetesManifests.Text(configMapKey["name"]), KubernetesManifests.Text(configMapKey["key"])));
                    }
                }

                foreach (JsonObject from in (container["envFrom"]?.AsArray() ?? []).Select(e => e!.AsObject()))
                {
                    if (from["secretRef"] is JsonObject secretRef)
                    {
                        references.Add((workload, "Secret", KubernetesManifests.Text(secretRef["name"]), null));
                    }

                    if (from["configMapRef"] is JsonObject configMapRef)
                    {
                        references.Add((workload, "ConfigMap", KubernetesManifests.Text(configMapRef["name"]), null));
                    }
                }
            }
        }

        Assert.NotEmpty(references);
        foreach ((Manifest workload, string kind, string name, string? key) in references)
        {
            Manifest? source = _manifests.Resources.SingleOrDefault(m => m.Kind == kind && m.Name == name);
            Assert.True(source is not null, $"{workload}: {kind} {name} is not in the kustomization");
            if (key is not null)
            {
                Assert.True(KubernetesManifests.Keys(source).Contains(key), $"{workload}: {kind} {name} has no key {key}");
            }
        }
    }

    [Fact]
    public void Every_volume_mount_names_a_volume_of_its_pod()
    {
        foreach (Manifest workload in Workloads())
        {
            JsonObject pod = KubernetesManifests.PodSpec(workload);
            var volumes = KubernetesManifests.Volumes(pod).Select(v => KubernetesManifests.Text(v["name"])).ToHashSet(StringComparer.Ordinal);
            foreach (JsonObject container in KubernetesManifests.Containers(pod))
            {
                foreach (JsonNode? mount in container["volumeMounts"]?.AsArray() ?? [])
                {
                    Assert.Contains(KubernetesManifests.Text(mount!["name"]), volumes);
                }
            }
        }
    }

    [Fact]
    public void Probe_ports_are_ports_of_their_container()
    {
        int probes = 0;
        foreach (Manifest workload in Workloads())
        {
            foreach (JsonObject container in KubernetesManifests.Containers(KubernetesManifests.PodSpec(workload)))
            {
                var ports = (container["ports"]?.AsArray() ?? []).Select(p => p!.AsObject()).ToList();
                foreach (string probe in new[] { "livenessProbe", "readinessProbe", "startupProbe" })
                {
                    if (container[probe]?["httpGet"]?["port"] is not JsonNode port)
                    {
                        continue;
                    }

                    probes++;
                    string text = KubernetesManifests.Text(port);
                    Assert.True(
                        ports.Exists(p => p["name"]?.GetValue<string>() == text || KubernetesManifests.Text(p["containerPort"]) == text),
                        $"{workload}: {probe} uses port {text}, which container {container["name"]} does not declare");
                }
            }
        }

        Assert.True(probes >= 3, "every workload has HTTP probes");
    }

    [Fact]
    public void Services_select_a_workload_and_target_one_of_its_ports()
    {
        foreach (Manifest service in _manifests.Resources.Where(m => m.Kind == "Service"))
        {
            JsonObject selector = service.Document["spec"]!["selector"]!.AsObject();
            Manifest workload = Assert.Single(Workloads(), w => selector.All(s =>
                w.Document["spec"]!["template"]!["metadata"]!["labels"]?[s.Key]?.GetValue<string>() == s.Value!.GetValue<string>()));
            var containerPorts = KubernetesManifests.Containers(KubernetesManifests.PodSpec(workload))
                .SelectMany(c => c["ports"]?.AsArray() ?? []).Select(p => p!.AsObject()).ToList();
            foreach (JsonObject port in service.Document["spec"]!["ports"]!.AsArray().Select(p => p!.AsObject()))
            {
                string target = KubernetesManifests.Text(port["targetPort"] ?? port["port"]);
                Assert.True(
                    containerPorts.Exists(p => p["name"]?.GetValue<string>() == target || KubernetesManifests.Text(p["containerPort"]) == target),
                    $"{service}: targetPort {target} is not a port of {workload}");
            }
        }
    }

    [Fact]
    public void Workloads_mount_no_service_account_token_and_use_the_namespace_of_the_kustomization()
    {
        Assert.Equal("userdisk", KubernetesManifests.Text(_manifests.Kustomization["namespace"]));
        Assert.Contains(_manifests.Resources, m => m.Kind == "Namespace" && m.Name == "userdisk");
        foreach (Manifest workload in Workloads())
        {
            Assert.Equal("false", KubernetesManifests.Text(KubernetesManifests.PodSpec(workload)["automountServiceAccountToken"]));
        }
    }

    [Fact]
    public void Every_host_path_and_privilege_carries_a_comment_saying_why()
    {
        int checkedLines = 0;
        foreach (string file in _manifests.Files)
        {
            string[] lines = File.ReadAllLines(file);
            for (int i = 0; i < lines.Length; i++)
            {
                string line = lines[i].Trim();
                if (line.StartsWith('#'))
                {
                    continue;
                }

                if (line == "hostPath:" || line == "privileged: true" || line == "hostNetwork: true" || line == "hostPID: true" || line == "runAsUser: 0")
                {
                    checkedLines++;
                    Assert.True(HasCommentAbove(lines, i), $"{Path.GetFileName(file)}:{i + 1}: '{line}' has no comment saying why");
                }
            }
        }

        Assert.True(checkedLines >= 5);
    }

    [Fact]
    public void The_secret_is_a_template_whose_every_value_says_to_replace_it()
    {
        foreach (Manifest secret in _manifests.Resources.Where(m => m.Kind == "Secret"))
        {
            Assert.Null(secret.Document["data"]);
            foreach (string key in KubernetesManifests.Keys(secret))
            {
                Assert.Contains("REPLACE", KubernetesManifests.Value(secret, key), StringComparison.Ordinal);
            }

            Assert.Contains("TEMPLATE", File.ReadAllText(secret.File), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_device_group_is_the_same_in_the_udev_rule_the_cdi_spec_and_the_handler()
    {
        string rule = File.ReadAllText(Path.Combine(RepositoryPaths.Kubernetes, "node", "99-userdisk-scst.rules"));
        Assert.Contains("KERNEL==\"scst_user\", GROUP=\"scst-user\", MODE=\"0660\"", rule, StringComparison.Ordinal);
        Assert.Contains("--gid 2600 scst-user", rule, StringComparison.Ordinal);

        JsonNode cdi = JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Kubernetes, "node", "cdi-userdisk.json")))!;
        JsonNode node = cdi["devices"]![0]!["containerEdits"]!["deviceNodes"]![0]!;
        Assert.Equal("/dev/scst_user", node["path"]!.GetValue<string>());
        Assert.Equal(2600, node["gid"]!.GetValue<int>());
        Assert.Equal(Convert.ToInt32("660", 8), node["fileMode"]!.GetValue<int>());

        JsonObject pod = KubernetesManifests.PodSpec(_manifests.Single("Deployment", "userdisk-handler"));
        Assert.Contains("2600", pod["securityContext"]!["supplementalGroups"]!.AsArray().Select(g => KubernetesManifests.Text(g)));
    }

    private IEnumerable<Manifest> Workloads() => _manifests.Resources.Where(m => WorkloadKinds.Contains(m.Kind));

    private static void AddVolumeReferences(List<(Manifest, string, string, string?)> references, Manifest workload, string kind, string name, JsonObject source)
    {
        references.Add((workload, kind, name, null));
        foreach (JsonNode? item in source["items"]?.AsArray() ?? [])
        {
            references.Add((workload, kind, name, KubernetesManifests.Text(item!["key"])));
        }
    }

    /// <summary>
    /// A comment in the lines just above, within the same mapping: sibling keys are passed over, a list item's
    /// "- name:" line is passed (the comment usually sits above the item), a parent key ends the search.
    /// </summary>
    private static bool HasCommentAbove(string[] lines, int index)
    {
        int indent = Indentation(lines[index]);
        bool passedItem = false;
        for (int j = index - 1; j >= 0; j--)
        {
            string line = lines[j];
            string trimmed = line.Trim();
            if (trimmed.StartsWith('#'))
            {
                return true;
            }

            if (trimmed.Length == 0 || passedItem)
            {
                return false;
            }

            int lineIndent = Indentation(line);
            if (trimmed.StartsWith("- ", StringComparison.Ordinal) && lineIndent < indent)
            {
                passedItem = true;
            }
            else if (lineIndent < indent)
            {
                return false;
            }
        }

        return false;
    }

    private static int Indentation(string line) => line.Length - line.TrimStart(' ').Length;
}
