namespace UserDisk.Platform.Attach;

/// <summary>What <see cref="AttachManager.ReconcileDeviceAsync"/> did for one device.</summary>
public sealed record AttachResult
{
    public required string Device { get; init; }

    public required AttachOutcome Outcome { get; init; }

    public string? Driver { get; init; }

    public string? Target { get; init; }

    public string? Group { get; init; }

    public int? Lun { get; init; }

    public bool ReadOnly { get; init; }

    /// <summary>LUN add commands written for this call (0 when nothing had to be done).</summary>
    public int Attempts { get; init; }

    /// <summary>
    /// Short failure class, also the metrics tag: <c>lun_taken</c>, <c>no_free_lun</c>, <c>target_missing</c>,
    /// <c>timeout</c>, or the errno in lower case (<c>einval</c>, <c>enoent</c>, …).
    /// </summary>
    public string? Reason { get; init; }

    public string? Error { get; init; }

    public bool Succeeded => Outcome is AttachOutcome.Attached or AttachOutcome.AlreadyAttached;
}
