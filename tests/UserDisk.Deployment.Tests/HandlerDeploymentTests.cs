using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using UserDisk.Server.Configuration;
using UserDisk.Server.Hosting;

namespace UserDisk.Deployment.Tests;

/// <summary>The handler (`userdisk serve --frontend scst`) Deployment, its Service and its configuration.</summary>
public sealed class HandlerDeploymentTests : IDisposable
{
    private readonly KubernetesManifests _manifests = KubernetesManifests.Load();
    private readonly TempDirectory _temp = new();
    private readonly Manifest _deployment;
    private readonly JsonObject _pod;
    private readonly JsonObject _container;

    public HandlerDeploymentTests()
    {
        _deployment = _manifests.Single("Deployment", HandlerConfiguration.DeploymentName);
        _pod = KubernetesManifests.PodSpec(_deployment);
        _container = KubernetesManifests.Containers(_pod).Single();
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void The_config_map_is_accepted_by_the_configuration_reader_without_errors_or_warnings()
    {
        OptionsReadResult result = HandlerConfiguration.Read(_manifests, _temp);

        Assert.Empty(result.Problems.Select(p => $"{p.Severity} {p}"));
        UserDiskOptions options = Assert.IsType<UserDiskOptions>(result.Options);
        Assert.Equal(FrontendKind.Scst, options.Frontend);
        Assert.Equal(IPAddress.Any, options.Http.Address);
        Assert.Equal("/dev/scst_user", options.Scst.DevicePath);
        Assert.NotNull(options.Inventory);
        Assert.StartsWith("s3://", options.Inventory.Source, StringComparison.Ordinal);
        Assert.Equal("REPLACE-ME-s3-access-key", options.S3.AccessKey);
        Assert.Equal("REPLACE-ME-s3-secret-key", options.S3.SecretKey);
        Assert.Equal("REPLACE-ME-chap-secret-at-least-16-bytes", Assert.Single(options.Targets).Chap?.Secret);
    }

    [Fact]
    public void Runs_serve_with_the_scst_front_end_and_the_config_map_file()
    {
        Assert.Equal(["serve", "--frontend", "scst", "--config", "/etc/userdisk/userdisk.json"], _container["args"]!.AsArray().Select(KubernetesManifests.Text));
        (JsonObject volume, JsonObject mount) = KubernetesManifests.MountedAt(_pod, _container, "/etc/userdisk");
        Assert.Equal("userdisk-handler-config", KubernetesManifests.Text(volume["configMap"]!["name"]));
        Assert.Equal("true", KubernetesManifests.Text(mount["readOnly"]));
    }

    [Fact]
    public void One_replica_replaced_by_recreate_so_two_handlers_never_register_the_same_devices()
    {
        Assert.Equal("1", KubernetesManifests.Text(_deployment.Document["spec"]!["replicas"]));
        Assert.Equal("Recreate", KubernetesManifests.Text(_deployment.Document["spec"]!["strategy"]!["type"]));
    }

    [Fact]
    public void Probes_use_healthz_and_readyz_on_the_configured_http_port()
    {
        UserDiskOptions options = HandlerConfiguration.Read(_manifests, _temp).Options!;
        JsonObject port = _container["ports"]!.AsArray().Select(p => p!.AsObject()).Single(p => KubernetesManifests.Text(p["name"]) == "http");
        Assert.Equal(options.Http.Port.ToString(CultureInfo.InvariantCulture), KubernetesManifests.Text(port["containerPort"]));
        Assert.Equal("/healthz", KubernetesManifests.Text(_container["livenessProbe"]!["httpGet"]!["path"]));
        Assert.Equal("/readyz", KubernetesManifests.Text(_container["readinessProbe"]!["httpGet"]!["path"]));
    }

    [Fact]
    public void Termination_grace_outlasts_the_handlers_own_shutdown()
    {
        UserDiskOptions options = HandlerConfiguration.Read(_manifests, _temp).Options!;
        double grace = double.Parse(KubernetesManifests.Text(_pod["terminationGracePeriodSeconds"]), CultureInfo.InvariantCulture);
        Assert.True(grace > (options.ShutdownTimeout + ServeHost.FlushAllowance).TotalSeconds, $"terminationGracePeriodSeconds {grace}");
    }

    [Fact]
    public void The_scst_user_device_is_a_host_char_device_opened_through_a_supplemental_group_as_non_root()
    {
        (JsonObject volume, _) = KubernetesManifests.MountedAt(_pod, _container, "/dev/scst_user");
        Assert.Equal("/dev/scst_user", KubernetesManifests.Text(volume["hostPath"]!["path"]));
        Assert.Equal("CharDevice", KubernetesManifests.Text(volume["hostPath"]!["type"]));

        JsonObject security = _pod["securityContext"]!.AsObject();
        Assert.Equal("true", KubernetesManifests.Text(security["runAsNonRoot"]));
        Assert.NotEqual("0", KubernetesManifests.Text(security["runAsUser"]));
        Assert.NotEmpty(security["supplementalGroups"]!.AsArray());
        Assert.Equal("true", KubernetesManifests.Text(_container["securityContext"]!["readOnlyRootFilesystem"]));
        Assert.Equal("true", KubernetesManifests.Text(_pod["nodeSelector"]!["userdisk.io/scst"]));
    }

    [Fact]
    public void Secrets_reach_the_container_as_files_and_one_environment_variable_never_as_config_map_values()
    {
        (JsonObject volume, JsonObject mount) = KubernetesManifests.MountedAt(_pod, _container, "/run/secrets/userdisk");
        Assert.Equal("userdisk-handler-secrets", KubernetesManifests.Text(volume["secret"]!["secretName"]));
        Assert.Equal("true", KubernetesManifests.Text(mount["readOnly"]));

        string json = KubernetesManifests.Value(_manifests.Single("ConfigMap", "userdisk-handler-config"), "userdisk.json");
        JsonNode config = JsonNode.Parse(json)!;
        Assert.Null(config["UserDisk"]!["S3"]!["SecretKey"]);
        Assert.Null(config["UserDisk"]!["S3"]!["AccessKey"]);
        Assert.NotNull(config["UserDisk"]!["S3"]!["SecretKeyFile"]);
        Assert.DoesNotContain("REPLACE", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Memory_limit_holds_the_s3_chunk_cache_with_room_for_the_runtime()
    {
        UserDiskOptions options = HandlerConfiguration.Read(_manifests, _temp).Options!;
        long limit = Quantity(KubernetesManifests.Text(_container["resources"]!["limits"]!["memory"]));
        long request = Quantity(KubernetesManifests.Text(_container["resources"]!["requests"]!["memory"]));
        Assert.True(request <= limit);
        Assert.True(limit >= options.S3.CacheBytes + (256L << 20), $"memory limit {limit} for a {options.S3.CacheBytes}-byte cache");
    }

    [Fact]
    public void The_service_exposes_metrics_on_9090_for_prometheus()
    {
        Manifest service = _manifests.Single("Service", HandlerConfiguration.DeploymentName);
        Assert.Equal("ClusterIP", KubernetesManifests.Text(service.Document["spec"]!["type"]));
        JsonObject port = Assert.Single(service.Document["spec"]!["ports"]!.AsArray())!.AsObject();
        Assert.Equal("9090", KubernetesManifests.Text(port["port"]));
        JsonObject annotations = service.Document["metadata"]!["annotations"]!.AsObject();
        Assert.Equal("true", KubernetesManifests.Text(annotations["prometheus.io/scrape"]));
        Assert.Equal("9090", KubernetesManifests.Text(annotations["prometheus.io/port"]));
        Assert.Equal("/metrics", KubernetesManifests.Text(annotations["prometheus.io/path"]));
    }

    /// <summary>A Kubernetes memory quantity (binary or decimal suffix) in bytes.</summary>
    private static long Quantity(string text)
    {
        (string Suffix, long Factor)[] suffixes = [("Ki", 1L << 10), ("Mi", 1L << 20), ("Gi", 1L << 30), ("Ti", 1L << 40), ("k", 1000), ("M", 1_000_000), ("G", 1_000_000_000)];
        foreach ((string suffix, long factor) in suffixes)
        {
            if (text.EndsWith(suffix, StringComparison.Ordinal))
            {
                return long.Parse(text[..^suffix.Length], CultureInfo.InvariantCulture) * factor;
            }
        }

        return long.Parse(text, CultureInfo.InvariantCulture);
    }
}
