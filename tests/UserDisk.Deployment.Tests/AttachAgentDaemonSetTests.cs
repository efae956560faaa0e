using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using UserDisk.Server.Agent;
using UserDisk.Server.Cli;
using UserDisk.Server.Configuration;

namespace UserDisk.Deployment.Tests;

/// <summary>The attach agent DaemonSet and its policy.</summary>
public sealed class AttachAgentDaemonSetTests : IDisposable
{
    private const string ConfigPath = "/etc/userdisk/agent.json";

    private readonly KubernetesManifests _manifests = KubernetesManifests.Load();
    private readonly TempDirectory _temp = new();
    private readonly Manifest _daemonSet;
    private readonly JsonObject _pod;
    private readonly JsonObject _container;

    public AttachAgentDaemonSetTests()
    {
        _daemonSet = _manifests.Single("DaemonSet", "userdisk-attach-agent");
        _pod = KubernetesManifests.PodSpec(_daemonSet);
        _container = KubernetesManifests.Containers(_pod).Single();
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Runs_attach_agent_with_the_config_map_file()
    {
        Assert.Equal(["attach-agent", "--config", ConfigPath], _container["args"]!.AsArray().Select(KubernetesManifests.Text));
        (JsonObject volume, _) = KubernetesManifests.MountedAt(_pod, _container, Path.GetDirectoryName(ConfigPath)!);
        Assert.Equal("userdisk-attach-agent-config", KubernetesManifests.Text(volume["configMap"]!["name"]));
    }

    [Fact]
    public void The_policy_validates_without_errors()
    {
        AgentOptions options = Options();
        Assert.Empty(options.Policy().Validate());
        Assert.NotEmpty(options.Rules);
        Assert.InRange(options.RescanSeconds, 1, 86_400);
    }

    [Fact]
    public void The_attach_agent_command_accepts_the_configuration()
    {
        string configFile = WriteConfig();
        var error = new StringWriter();
        var context = new CliContext
        {
            Out = TextWriter.Null,
            Error = error,
            Environment = new System.Collections.Hashtable(),
            BaseDirectory = AppDirectory(),
            CurrentDirectory = _temp.Path,
        };

        (WebApplication? app, int exitCode) = new AgentRunner(context).Prepare(configFile);
        using (app as IDisposable)
        {
            Assert.True(app is not null, error.ToString());
            Assert.Equal(ExitCodes.Success, exitCode);
        }
    }

    [Fact]
    public void Http_listens_on_all_addresses_at_the_port_the_liveness_probe_uses()
    {
        Assert.True(EndpointText.TryParse(Options().Http, defaultPort: null, out IPEndPoint http, out string why), why);
        Assert.Equal(IPAddress.Any, http.Address);
        JsonObject port = _container["ports"]!.AsArray().Select(p => p!.AsObject()).Single(p => KubernetesManifests.Text(p["name"]) == "http");
        Assert.Equal(http.Port.ToString(CultureInfo.InvariantCulture), KubernetesManifests.Text(port["containerPort"]));
        Assert.Equal("/healthz", KubernetesManifests.Text(_container["livenessProbe"]!["httpGet"]!["path"]));
        Assert.Equal("http", KubernetesManifests.Text(_container["livenessProbe"]!["httpGet"]!["port"]));
    }

    [Fact]
    public void Sysfs_event_device_and_state_come_from_the_host_at_the_paths_the_policy_names()
    {
        AgentOptions options = Options();

        (JsonObject sysfs, JsonObject sysfsMount) = KubernetesManifests.MountedAt(_pod, _container, options.SysfsRoot);
        Assert.Equal("/sys/kernel/scst_tgt", KubernetesManifests.Text(sysfs["hostPath"]!["path"]));
        Assert.NotEqual("true", sysfsMount["readOnly"]?.GetValue<string>());

        (JsonObject events, _) = KubernetesManifests.MountedAt(_pod, _container, options.EventDevice);
        Assert.Equal("/dev/scst_event", KubernetesManifests.Text(events["hostPath"]!["path"]));
        Assert.Equal("CharDevice", KubernetesManifests.Text(events["hostPath"]!["type"]));

        (JsonObject state, JsonObject stateMount) = KubernetesManifests.MountedAt(_pod, _container, Path.GetDirectoryName(options.StateFile)!);
        Assert.Equal("/var/lib/userdisk", KubernetesManifests.Text(state["hostPath"]!["path"]));
        Assert.NotEqual("true", stateMount["readOnly"]?.GetValue<string>());
    }

    [Fact]
    public void Runs_on_scst_nodes_privileged_without_host_network_or_api_access()
    {
        Assert.Equal("true", KubernetesManifests.Text(_pod["nodeSelector"]!["userdisk.io/scst"]));
        Assert.Equal("false", KubernetesManifests.Text(_pod["hostNetwork"]));
        Assert.Equal("false", KubernetesManifests.Text(_pod["automountServiceAccountToken"]));
        Assert.Null(_pod["serviceAccountName"]);
        Assert.Equal("true", KubernetesManifests.Text(_container["securityContext"]!["privileged"]));
    }

    private string AppDirectory()
    {
        string directory = Directory.CreateDirectory(Path.Combine(_temp.Path, "app")).FullName;
        string settings = Path.Combine(directory, ConfigurationLayers.DefaultFileName);
        if (!File.Exists(settings))
        {
            File.Copy(RepositoryPaths.ServerAppSettings, settings);
        }

        return directory;
    }

    private string WriteConfig()
    {
        (JsonObject volume, _) = KubernetesManifests.MountedAt(_pod, _container, Path.GetDirectoryName(ConfigPath)!);
        string json = HandlerConfiguration.VolumeFile(_manifests, volume, "configMap", "name", Path.GetFileName(ConfigPath));
        string file = Path.Combine(_temp.Path, Path.GetFileName(ConfigPath));
        File.WriteAllText(file, json);
        return file;
    }

    /// <summary>Bound the way `userdisk attach-agent` binds it: the layers, then section UserDisk:Agent.</summary>
    private AgentOptions Options()
    {
        (IConfigurationRoot configuration, IReadOnlyList<ConfigurationProblem> problems) = new ConfigurationLayers
        {
            BaseDirectory = AppDirectory(),
            ConfigFile = WriteConfig(),
            Environment = new System.Collections.Hashtable(),
        }.Build();
        Assert.Empty(problems);
        return configuration.GetSection(AgentOptions.SectionName).Get<AgentOptions>() ?? throw new InvalidDataException("no UserDisk:Agent section");
    }
}
