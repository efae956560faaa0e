namespace UserDisk.Deployment.Tests;

/// <summary>Where the files under test are: found from the test binary upwards, so any working directory works.</summary>
internal static class RepositoryPaths
{
    private static readonly Lazy<string> LazyRoot = new(FindRoot);

    public static string Root => LazyRoot.Value;

    public static string Kubernetes => Path.Combine(Root, "containers", "k8s");

    public static string Systemd => Path.Combine(Root, "containers", "systemd");

    public static string ServerAppSettings => Path.Combine(Root, "src", "UserDisk.Server", "appsettings.json");

    private static string FindRoot()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "UserDisk.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"UserDisk.sln not found above {AppContext.BaseDirectory}");
    }
}
