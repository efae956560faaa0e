namespace UserDisk.Scsi.Tests;

/// <summary>One call the engine made to a backstore: bytes, as the engine computed them from blocks.</summary>
internal readonly record struct BackstoreCall(BackstoreOperation Operation, long Offset, long Length, bool ForceUnitAccess = false);
