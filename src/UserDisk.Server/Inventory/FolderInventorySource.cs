using System.Globalization;

namespace UserDisk.Server.Inventory;

/// <summary>Images in one local folder (not its subfolders) whose names match the pattern.</summary>
public sealed class FolderInventorySource(string folder, string pattern) : IInventorySource
{
    public string Description => folder;

    public Task<IReadOnlyList<InventoryImage>> ListAsync(CancellationToken cancellationToken)
    {
        var images = new List<InventoryImage>();
        foreach (var file in new DirectoryInfo(folder).EnumerateFiles())
        {
            if (!InventoryNaming.Matches(file.Name, pattern))
            {
                continue;
            }

            // A file still being copied in changes size or mtime: the next pass sees a new version and re-projects.
            string version = string.Create(CultureInfo.InvariantCulture, $"{file.Length}:{file.LastWriteTimeUtc.Ticks}");
            images.Add(new InventoryImage(file.Name, InventorySources.BackstoreFor(file.Name, file.FullName), version));
        }

        return Task.FromResult<IReadOnlyList<InventoryImage>>(images);
    }
}
