namespace UserDisk.Storage.Tests;

/// <summary>A fresh directory under the system temp path, removed with everything in it on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = Directory.CreateTempSubdirectory("userdisk-storage-").FullName;
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Creates a file of <paramref name="length"/> bytes holding <see cref="TestData.Pattern"/>.</summary>
    public string FileWithPattern(string name, int length, int seed = 1)
    {
        string path = File(name);
        System.IO.File.WriteAllBytes(path, TestData.Pattern(length, seed));
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a test that failed half-way may leave a mount point or an immutable file behind.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
