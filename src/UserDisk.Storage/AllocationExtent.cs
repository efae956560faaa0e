namespace UserDisk.Storage;

/// <summary>A run of bytes that are all mapped or all deallocated (for SBC-4 GET LBA STATUS).</summary>
public readonly record struct AllocationExtent(long Offset, long Length, bool IsMapped);
