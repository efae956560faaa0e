using UserDisk.Server.Configuration;

namespace UserDisk.Server.Frontends;

/// <summary>
/// Decides which front end serves the LUNs. Only the embedded iSCSI target is built so far; rather than
/// pretend, a request for scst_user (or <c>auto</c> on a machine that has <c>/dev/scst_user</c>) is refused with a
/// message saying so.
/// </summary>
public static class FrontendSelector
{
    public const string ScstUserDevice = "/dev/scst_user";

    public const string ScstNotAvailable = "the scst_user front end is not available in this build";

    /// <summary>Returns the front end to run, or null with <paramref name="error"/> saying why none can.</summary>
    /// <param name="deviceExists">Tells whether a path exists (File.Exists, or a test's answer).</param>
    public static FrontendKind? Select(FrontendKind requested, Func<string, bool> deviceExists, out string error)
    {
        ArgumentNullException.ThrowIfNull(deviceExists);
        error = string.Empty;
        switch (requested)
        {
            case FrontendKind.Iscsi:
                return FrontendKind.Iscsi;
            case FrontendKind.Scst:
                error = $"{ScstNotAvailable}; use --frontend iscsi to serve through the embedded iSCSI target";
                return null;
            default:
                if (deviceExists(ScstUserDevice))
                {
                    error = $"{ScstUserDevice} exists, so --frontend auto would choose scst_user, but {ScstNotAvailable}; "
                        + "use --frontend iscsi to serve through the embedded iSCSI target instead";
                    return null;
                }

                return FrontendKind.Iscsi;
        }
    }
}
