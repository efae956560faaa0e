namespace UserDisk.Scsi;

/// <summary>How the data the command wanted (SPDTL) compares with what the transport expected (EDTL).</summary>
public enum ResidualKind : byte
{
    None = 0,

    /// <summary>The command moved less than expected: residual = EDTL - SPDTL.</summary>
    Underflow = 1,

    /// <summary>The command wanted more than expected: residual = SPDTL - EDTL.</summary>
    Overflow = 2,
}
