namespace UserDisk.Scst;

/// <summary>
/// SCST registered a virtual device named <paramref name="DeviceName"/> (SCST_EVENT_REG_VIRT_DEV, ABI-SCST-USER.md
/// §9.4): an scst_user device or a vdisk created through sysfs; there is no handler name in the event.
/// </summary>
/// <param name="DeviceName">The SCST device name (printable ASCII, no '/', at most 59 characters).</param>
/// <param name="ReceivedAt">When the reader took the event off /dev/scst_event.</param>
public sealed record ScstRegistrationEvent(string DeviceName, DateTimeOffset ReceivedAt);
