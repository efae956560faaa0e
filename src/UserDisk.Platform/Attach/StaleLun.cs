namespace UserDisk.Platform.Attach;

/// <summary>A LUN the agent had added whose device is gone; <see cref="Deleted"/> when the agent had to delete it itself.</summary>
public sealed record StaleLun
{
    public required LunMapping Mapping { get; init; }

    /// <summary>
    /// False in the usual case: the kernel deletes a device's LUNs when it unregisters, so only the bookkeeping was
    /// left to do.
    /// </summary>
    public bool Deleted { get; init; }
}
