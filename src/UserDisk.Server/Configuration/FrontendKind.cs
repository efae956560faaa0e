namespace UserDisk.Server.Configuration;

/// <summary>Which front end serves the logical units.</summary>
public enum FrontendKind
{
    /// <summary>scst_user when <c>/dev/scst_user</c> exists, the embedded iSCSI target otherwise.</summary>
    Auto,

    /// <summary>The embedded user-space iSCSI target (RFC 7143).</summary>
    Iscsi,

    /// <summary>SCST's <c>/dev/scst_user</c> device handler interface.</summary>
    Scst,
}
