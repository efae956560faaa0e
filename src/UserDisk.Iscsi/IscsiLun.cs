using UserDisk.Scsi;

namespace UserDisk.Iscsi;

/// <summary>A logical unit exposed by a target under a LUN number.</summary>
public sealed record IscsiLun(ulong Number, LogicalUnit Unit);
