namespace UserDisk.Scst;

/// <summary>How one device is registered with scst_user and served.</summary>
public sealed class ScstDeviceOptions
{
    /// <summary>SCST device name: 1..49 characters, no '/' or '.', unique among SCST devices and handlers (§6.2).</summary>
    public required string Name { get; init; }

    /// <summary>Dedicated worker threads serving the device's fd (DESIGN.md). SCST's sample uses 7; two keep two cores busy.</summary>
    public int WorkerThreads { get; init; } = 2;

    /// <summary>Subcommands fetched per REPLY_AND_GET_MULTI call (and replies sent with the next one).</summary>
    public int CommandsPerCall { get; init; } = 16;

    /// <summary>
    /// Ask for ON_FREE_CMD after every command (on_free_cmd_type CALL): one more round trip per command, for
    /// per-command delivery statistics. Off by default: with memory reuse ALL every buffer comes back through
    /// ON_CACHED_MEM_FREE, so the handler does not need it (§8.1, §16).
    /// </summary>
    public bool NotifyOnFree { get; init; }

    /// <summary>Buffers handed to SCST's cache at registration (PREALLOC_BUFFER), so the first commands skip allocation.</summary>
    public int PreallocateBuffers { get; init; }

    /// <summary>Size of each preallocated buffer; a power-of-two number of 4 KiB pages (§8.6).</summary>
    public int PreallocateBufferBytes { get; init; } = 128 * 1024;

    /// <summary>How long shutdown waits for commands in flight before closing anyway (§8.10).</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>SGV purge interval in seconds (0 = SCST's default of 60 s, negative = never purge).</summary>
    public int CachePurgeIntervalSeconds { get; init; }

    /// <summary>
    /// Throws <see cref="ArgumentException"/> naming the setting when the options are unusable: checked before the
    /// kernel sees them, so the operator gets the reason instead of a bare EINVAL.
    /// </summary>
    public void Validate()
    {
        ValidateName(Name);
        if (WorkerThreads is < 1 or > 64)
        {
            throw new ArgumentException($"WorkerThreads {WorkerThreads}: must be 1..64.");
        }

        if (CommandsPerCall is < 1 or > 256)
        {
            throw new ArgumentException($"CommandsPerCall {CommandsPerCall}: must be 1..256.");
        }

        if (PreallocateBuffers < 0)
        {
            throw new ArgumentException($"PreallocateBuffers {PreallocateBuffers}: must not be negative.");
        }

        int pages = PreallocateBufferBytes / ScstBufferPool.PageSize;
        if (PreallocateBufferBytes % ScstBufferPool.PageSize != 0 || pages < 1 || pages > 1024 || (pages & (pages - 1)) != 0)
        {
            throw new ArgumentException($"PreallocateBufferBytes {PreallocateBufferBytes}: must be 4 KiB times a power of two, at most 4 MiB.");
        }
    }

    /// <summary>SCST's rules for a device name (§6.2): 1..49 bytes, no '/', no '.', printable ASCII.</summary>
    public static void ValidateName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length is 0 or > Interop.ScstLimits.MaxName - 1)
        {
            throw new ArgumentException($"SCST device name '{name}': must be 1..{Interop.ScstLimits.MaxName - 1} characters.");
        }

        foreach (char c in name)
        {
            if (c is '/' or '.' || c <= ' ' || c > '~')
            {
                throw new ArgumentException($"SCST device name '{name}': '{c}' is not allowed (no '/', '.', spaces or non-ASCII).");
            }
        }
    }
}
