using UserDisk.Server.Hosting;

namespace UserDisk.Server.Frontends;

/// <summary>
/// What inventory projection needs from the active front end: serve one more LUN, or stop serving one after its
/// commands drain. The embedded iSCSI target adds it to the configured target; scst_user registers a device.
/// </summary>
public interface ILunProjector
{
    Task AddAsync(ServedLun lun, CancellationToken cancellationToken);

    /// <summary>Stops serving <paramref name="lun"/>; commands running on it get <paramref name="drainTimeout"/>.</summary>
    Task RemoveAsync(ServedLun lun, TimeSpan drainTimeout, CancellationToken cancellationToken);
}
