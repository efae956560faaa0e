using UserDisk.Server.Configuration;

namespace UserDisk.Server.Frontends;

/// <summary>
/// Decides which front end serves the LUNs: scst_user where SCST is loaded (or its emulator is configured), the
/// embedded iSCSI target everywhere else.
/// </summary>
public static class FrontendSelector
{
    public const string ScstUserDevice = "/dev/scst_user";

    /// <summary>Returns the front end to run, or null with <paramref name="error"/> saying why none can.</summary>
    /// <param name="scst">The scst_user settings (device path, emulator).</param>
    /// <param name="deviceExists">Tells whether a path exists (File.Exists, or a test's answer).</param>
    public static FrontendKind? Select(FrontendKind requested, ScstOptions scst, Func<string, bool> deviceExists, out string error)
    {
        ArgumentNullException.ThrowIfNull(scst);
        ArgumentNullException.ThrowIfNull(deviceExists);
        error = string.Empty;
        bool scstAvailable = scst.Emulator is not null || deviceExists(scst.DevicePath);
        switch (requested)
        {
            case FrontendKind.Iscsi:
                return FrontendKind.Iscsi;
            case FrontendKind.Scst when scstAvailable:
                return FrontendKind.Scst;
            case FrontendKind.Scst:
                error = $"{scst.DevicePath} does not exist: load SCST's handler module (modprobe scst_user) or use --frontend iscsi to serve through the embedded iSCSI target";
                return null;
            default:
                return scstAvailable ? FrontendKind.Scst : FrontendKind.Iscsi;
        }
    }
}
