namespace UserDisk.Storage;

/// <summary>Why a backstore operation failed; the engine maps each to a sense condition.</summary>
public enum BackstoreError
{
    /// <summary>The medium could not be read or written (EIO and the like): MEDIUM ERROR.</summary>
    MediumError,

    /// <summary>The range lies outside the store: LOGICAL BLOCK ADDRESS OUT OF RANGE.</summary>
    OutOfRange,

    /// <summary>No space left to allocate (ENOSPC, EDQUOT): the thin-provisioning space allocation failure.</summary>
    NoSpace,

    /// <summary>The store is not available now (object vanished, not opened): NOT READY.</summary>
    NotReady,

    /// <summary>A temporary failure that a retry may fix (network, throttling): the command can be retried.</summary>
    Transient,

    /// <summary>The store refuses writes: DATA PROTECT.</summary>
    WriteProtected,

    /// <summary>The caller misused the store (e.g. an unaligned buffer with O_DIRECT).</summary>
    InvalidArgument,
}
