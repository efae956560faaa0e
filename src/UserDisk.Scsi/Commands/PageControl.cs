namespace UserDisk.Scsi.Commands;

/// <summary>MODE SENSE page control (PC) values (SPC-5).</summary>
internal enum PageControl : byte
{
    Current = 0,
    Changeable = 1,
    Default = 2,
    Saved = 3,
}
