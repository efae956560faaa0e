namespace UserDisk.Scsi.Tests;

/// <summary>The calls an <see cref="IBackstore"/> takes, as <see cref="InstrumentedBackstore"/> records them.</summary>
internal enum BackstoreOperation
{
    Read,
    Write,
    Flush,
    Unmap,
    GetAllocation,
}
