namespace UserDisk.Iscsi;

/// <summary>Server-wide behaviour of the embedded target.</summary>
public sealed class IscsiServerOptions
{
    /// <summary>Idle time after which the target pings the initiator with NOP-In (zero: never).</summary>
    public TimeSpan NopInInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long an unanswered NOP-In may stay unanswered before the connection is closed as dead.</summary>
    public TimeSpan NopInTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Largest Expected Data Transfer Length buffered for one command; longer ones are refused by the engine.</summary>
    public int MaxCommandBytes { get; init; } = 65 * 1024 * 1024;

    /// <summary>Data buffer bytes one session may hold at once; past it commands get TASK SET FULL (SAM-5), so a
    /// single initiator cannot exhaust the server's memory.</summary>
    public long MaxSessionBufferBytes { get; init; } = 256L * 1024 * 1024;
}
