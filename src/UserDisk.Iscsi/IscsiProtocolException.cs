namespace UserDisk.Iscsi;

/// <summary>
/// A PDU or sequence the RFC does not allow. It ends the connection that sent it (after a Reject where one helps),
/// never the server; <see cref="Reason"/> is the metric label.
/// </summary>
public sealed class IscsiProtocolException : Exception
{
    public IscsiProtocolException(string reason, string message)
        : base(message)
    {
        Reason = reason;
    }

    public IscsiProtocolException()
        : this("protocol", "iSCSI protocol error.")
    {
    }

    public IscsiProtocolException(string message)
        : this("protocol", message)
    {
    }

    public IscsiProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
        Reason = "protocol";
    }

    public string Reason { get; } = "protocol";
}
