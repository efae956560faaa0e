namespace UserDisk.Server.Inventory;

/// <summary>
/// One image a source offers: its key (relative to the source), the backstore string that opens it, and a version
/// tag (ETag, or size and mtime) that changes when the image is replaced.
/// </summary>
public sealed record InventoryImage(string Key, string Backstore, string Version);
