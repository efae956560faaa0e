namespace UserDisk.Iscsi;

/// <summary>
/// The operational parameters negotiated at login (RFC 7143 13). Defaults are the RFC's; <see cref="LoginNegotiator"/>
/// fills in what the initiator and this target agreed.
/// </summary>
internal sealed class SessionParameters
{
    /// <summary>Largest data segment this target accepts in one PDU (declared by us).</summary>
    public const int TargetMaxRecvDataSegmentLength = 256 * 1024;

    /// <summary>Largest burst this target offers; bounds R2T sizes and Data-In sequences.</summary>
    public const int TargetMaxBurstLength = 1024 * 1024;

    public const int TargetFirstBurstLength = 256 * 1024;

    public bool HeaderDigest { get; set; }

    public bool DataDigest { get; set; }

    /// <summary>Largest data segment the initiator accepts (declared by the initiator; default 8192).</summary>
    public int InitiatorMaxRecvDataSegmentLength { get; set; } = 8192;

    public int MaxBurstLength { get; set; } = 262144;

    public int FirstBurstLength { get; set; } = 65536;

    public bool InitialR2T { get; set; } = true;

    public bool ImmediateData { get; set; } = true;

    public int MaxOutstandingR2T { get; set; } = 1;

    public int DefaultTime2Wait { get; set; } = 2;

    public int DefaultTime2Retain { get; set; } = 20;
}
