namespace UserDisk.Platform.Attach;

public enum DeviceAttachState
{
    /// <summary>Being attached, or waiting to retry.</summary>
    Pending,

    Attached,

    /// <summary>Gave up; the next registration event or scan tries again.</summary>
    Failed,

    /// <summary>No rule matches the name.</summary>
    Unmatched,

    NotUserDevice,

    /// <summary>The device is no longer registered; its LUN went with it.</summary>
    Gone,
}
