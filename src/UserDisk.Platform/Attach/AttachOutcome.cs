namespace UserDisk.Platform.Attach;

public enum AttachOutcome
{
    /// <summary>The agent added the LUN now.</summary>
    Attached,

    /// <summary>The device was in the rule's LUN table already; nothing was written.</summary>
    AlreadyAttached,

    /// <summary>No rule matches the device name; nothing was done.</summary>
    NoMatchingRule,

    /// <summary>The device is not an scst_user device (vdisk, pass-through); left alone.</summary>
    NotUserDevice,

    /// <summary>The device does not exist (anymore): unregistered before or while it was being attached.</summary>
    DeviceNotFound,

    /// <summary>The LUN could not be added; <see cref="AttachResult.Error"/> says why.</summary>
    Failed,
}
