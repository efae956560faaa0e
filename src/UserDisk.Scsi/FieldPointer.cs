namespace UserDisk.Scsi;

/// <summary>
/// Where in the CDB or parameter list an invalid field sits: the sense-key-specific field pointer of
/// SPC-5 4.4.2.4.2 (C/D, BPV, bit pointer, field pointer).
/// </summary>
public readonly record struct FieldPointer(bool InCdb, ushort ByteOffset, sbyte Bit = -1)
{
    public static FieldPointer Cdb(int byteOffset, int bit = -1) => new(true, (ushort)byteOffset, (sbyte)bit);

    public static FieldPointer Parameter(int byteOffset, int bit = -1) => new(false, (ushort)byteOffset, (sbyte)bit);
}
