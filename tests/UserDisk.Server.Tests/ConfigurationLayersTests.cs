using System.Collections;
using Microsoft.Extensions.Configuration;
using UserDisk.Server.Configuration;

namespace UserDisk.Server.Tests;

public sealed class ConfigurationLayersTests
{
    private const string DefaultFile = """
        {
          "UserDisk": {
            "Http": "127.0.0.1:9090",
            "Targets": [
              {
                "Name": "iqn.2026-11.io.userdisk:default",
                "Luns": [
                  { "Number": 0, "Backstore": "memory:1M" },
                  { "Number": 1, "Backstore": "memory:2M" },
                  { "Number": 2, "Backstore": "memory:3M" }
                ]
              }
            ]
          }
        }
        """;

    [Fact]
    public void Default_file_beside_the_executable_is_read()
    {
        using var directory = new TempDirectory();
        directory.File("appsettings.json", DefaultFile);

        IConfigurationRoot configuration = Build(new ConfigurationLayers { BaseDirectory = directory.Path, Environment = new Hashtable() });

        Assert.Equal("iqn.2026-11.io.userdisk:default", configuration["UserDisk:Targets:0:Name"]);
    }

    [Fact]
    public void Environment_variable_with_double_underscores_overrides_the_files()
    {
        using var directory = new TempDirectory();
        directory.File("appsettings.json", DefaultFile);
        var environment = new Hashtable
        {
            ["USERDISK__HTTP"] = "127.0.0.1:9191",
            ["USERDISK__TARGETS__0__LUNS__1__READONLY"] = "true",
            ["OTHER__HTTP"] = "ignored",
        };

        IConfigurationRoot configuration = Build(new ConfigurationLayers { BaseDirectory = directory.Path, Environment = environment });
        OptionsReadResult result = UserDiskOptionsReader.Read(configuration);

        Assert.Equal(9191, result.Options!.Http.Port);
        Assert.True(Assert.Single(result.Options.Targets).Luns[1].ReadOnly);
    }

    [Fact]
    public void Flags_override_environment_variables()
    {
        var layers = new ConfigurationLayers
        {
            BaseDirectory = "/nonexistent",
            Environment = new Hashtable { ["USERDISK__DATADIR"] = "/from-env" },
            Overrides = new Dictionary<string, string?> { ["UserDisk:DataDir"] = "/from-flag" },
        };

        Assert.Equal("/from-flag", Build(layers)["UserDisk:DataDir"]);
    }

    [Fact]
    public void Config_file_overrides_the_default_file()
    {
        using var directory = new TempDirectory();
        directory.File("appsettings.json", DefaultFile);
        string config = directory.File("site.json", """{ "UserDisk": { "Http": "127.0.0.1:9999" } }""");

        IConfigurationRoot configuration = Build(new ConfigurationLayers { BaseDirectory = directory.Path, ConfigFile = config, Environment = new Hashtable() });

        Assert.Equal("127.0.0.1:9999", configuration["UserDisk:Http"]);
        Assert.Equal("iqn.2026-11.io.userdisk:default", configuration["UserDisk:Targets:0:Name"]);
    }

    [Fact]
    public void Config_file_targets_replace_the_default_targets_instead_of_merging_by_index()
    {
        using var directory = new TempDirectory();
        directory.File("appsettings.json", DefaultFile);
        string config = directory.File("site.json", """
            { "UserDisk": { "Targets": [ { "Name": "iqn.2026-11.io.userdisk:site", "Luns": [ { "Number": 7, "Backstore": "null:1G" } ] } ] } }
            """);

        IConfigurationRoot configuration = Build(new ConfigurationLayers { BaseDirectory = directory.Path, ConfigFile = config, Environment = new Hashtable() });
        TargetOptions target = Assert.Single(UserDiskOptionsReader.Read(configuration).Options!.Targets);

        Assert.Equal("iqn.2026-11.io.userdisk:site", target.Name);
        Assert.Equal(7UL, Assert.Single(target.Luns).Number);
    }

    [Fact]
    public void Missing_config_file_is_a_problem_not_an_exception()
    {
        (_, IReadOnlyList<ConfigurationProblem> problems) = new ConfigurationLayers
        {
            BaseDirectory = "/nonexistent",
            ConfigFile = "/nonexistent/site.json",
            Environment = new Hashtable(),
        }.Build();

        ConfigurationProblem problem = Assert.Single(problems);
        Assert.Equal("--config", problem.Key);
        Assert.Contains("does not exist", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Malformed_json_is_a_problem_naming_the_file()
    {
        using var directory = new TempDirectory();
        string config = directory.File("broken.json", """{ "UserDisk": { "Http": """);

        (_, IReadOnlyList<ConfigurationProblem> problems) = new ConfigurationLayers
        {
            BaseDirectory = directory.Path,
            ConfigFile = config,
            Environment = new Hashtable(),
        }.Build();

        ConfigurationProblem problem = Assert.Single(problems);
        Assert.Equal("--config", problem.Key);
        Assert.Contains(config, problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Shipped_default_configuration_is_valid_and_has_a_read_only_lun()
    {
        IConfigurationRoot configuration = Build(new ConfigurationLayers { BaseDirectory = AppContext.BaseDirectory, Environment = new Hashtable() });

        OptionsReadResult result = UserDiskOptionsReader.Read(configuration, new ReaderSettings { CurrentDirectory = "/repo" });

        Assert.Empty(result.Problems);
        TargetOptions target = Assert.Single(result.Options!.Targets);
        Assert.Equal("iqn.2026-11.io.userdisk:disk", target.Name);
        Assert.Equal("file:/repo/.data/disk0.img?size=1G&create", target.Luns[0].Backstore);
        Assert.Contains(target.Luns, l => l.ReadOnly);
    }

    private static IConfigurationRoot Build(ConfigurationLayers layers)
    {
        (IConfigurationRoot configuration, IReadOnlyList<ConfigurationProblem> problems) = layers.Build();
        Assert.Empty(problems);
        return configuration;
    }
}
