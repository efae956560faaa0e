namespace UserDisk.Platform.Attach;

public sealed record AttachManagerOptions
{
    /// <summary>
    /// The JSON file with the LUN numbers given out (kept across restarts); null keeps them in memory only.
    /// </summary>
    public string? StateFilePath { get; init; }

    /// <summary>
    /// Where an scst.conf-style snapshot of what the agent manages is kept, rewritten after every reconcile that
    /// changed it (<see cref="ScstConfSnapshot"/>); null writes none.
    /// </summary>
    public string? ConfigSnapshotPath { get; init; }

    /// <summary>
    /// Rounds of LUN-add attempts per reconcile before giving up. Failures worth retrying: a target that is not there
    /// yet, a timed-out or queued command, EBUSY/ENOMEM; each LUN add also sends ATTACH_SESS with a 5 s deadline per
    /// session, which a handler still starting may miss (§9.4).
    /// </summary>
    public int MaxAttempts { get; init; } = 6;

    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// EEXIST answers tolerated in one round for an <c>auto</c> LUN (someone else took the number between our
    /// listing and our add), each followed at once by the next free number.
    /// </summary>
    public int MaxLunConflicts { get; init; } = 16;
}
