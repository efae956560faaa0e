namespace UserDisk.Scsi;

/// <summary>SAM-5 task attributes (SAM-5 8.6).</summary>
public enum TaskAttribute : byte
{
    Simple = 0,
    Ordered = 1,
    HeadOfQueue = 2,
    Aca = 3,
}
