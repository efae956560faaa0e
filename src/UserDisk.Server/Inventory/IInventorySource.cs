namespace UserDisk.Server.Inventory;

/// <summary>Where projected images come from: a folder or an S3 prefix.</summary>
public interface IInventorySource
{
    /// <summary>For logs: the folder or s3://bucket/prefix/.</summary>
    string Description { get; }

    /// <summary>
    /// Every image that should be projected now. Throws when the listing fails: the caller then keeps what it serves
    /// (an outage must not unregister every device).
    /// </summary>
    Task<IReadOnlyList<InventoryImage>> ListAsync(CancellationToken cancellationToken);
}
