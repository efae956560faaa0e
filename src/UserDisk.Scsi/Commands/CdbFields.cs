using System.Buffers.Binary;

namespace UserDisk.Scsi.Commands;

/// <summary>
/// The LBA and block count of the 10- and 16-byte CDB layouts that SBC-4 uses for VERIFY, PRE-FETCH, SYNCHRONIZE
/// CACHE, WRITE SAME and friends (10: LBA bytes 2-5, count 7-8; 12: LBA 2-5, count 6-9; 16: LBA 2-9, count 10-13).
/// </summary>
internal static class CdbFields
{
    public static (ulong Lba, uint Blocks, int CountOffset) LbaAndCount(ReadOnlySpan<byte> cdb) => (cdb[0] >> 5) switch
    {
        1 or 2 =>
            (BinaryPrimitives.ReadUInt32BigEndian(cdb[2..]), BinaryPrimitives.ReadUInt16BigEndian(cdb[7..]), 7),
        5 =>
            (BinaryPrimitives.ReadUInt32BigEndian(cdb[2..]), BinaryPrimitives.ReadUInt32BigEndian(cdb[6..]), 6),
        _ => (BinaryPrimitives.ReadUInt64BigEndian(cdb[2..]), BinaryPrimitives.ReadUInt32BigEndian(cdb[10..]), 10),
    };
}
