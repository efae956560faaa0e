namespace UserDisk.Platform.Sysfs;

/// <summary>Time limits of <see cref="ScstSysfs"/>.</summary>
public sealed record ScstSysfsOptions
{
    /// <summary>
    /// How long one write(2) may block. SCST itself gives up waiting after about 15 s and answers EAGAIN (§10.5), so
    /// a write that takes much longer is stuck (a kernel worker waiting for SCST's main mutex, a hung target driver).
    /// </summary>
    public TimeSpan WriteTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often <c>last_sysfs_mgmt_res</c> is read while a queued command runs.</summary>
    public TimeSpan MgmtPollInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// How long a queued command may still run after its write answered EAGAIN. Group and initiator changes
    /// suspend SCST activity for up to 90 s (§10.3), so less than that would give up on commands that succeed.
    /// </summary>
    public TimeSpan MgmtResultTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>
    /// How long the reads behind a status request (every managed target's sessions) may take together. Some session
    /// attributes are computed by SCST's management worker and wait behind running management work for up to 15 s
    /// (§10.5); status answers without them rather than keep its caller (an HTTP client) waiting that long.
    /// </summary>
    public TimeSpan ReadTimeout { get; init; } = TimeSpan.FromSeconds(5);
}
