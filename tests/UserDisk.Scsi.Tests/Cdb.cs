using System.Buffers.Binary;
using UserDisk.Scsi;

namespace UserDisk.Scsi.Tests;

/// <summary>Builds CDBs for tests, laid out as SBC-4 and SPC-5 define them.</summary>
internal static class Cdb
{
    public static byte[] Read10(uint lba, ushort blocks, byte flags = 0) => Rw10(OperationCode.Read10, lba, blocks, flags);

    public static byte[] Write10(uint lba, ushort blocks, byte flags = 0) => Rw10(OperationCode.Write10, lba, blocks, flags);

    public static byte[] Rw6(byte opcode, uint lba, byte blocks) =>
        [opcode, (byte)((lba >> 16) & 0x1F), (byte)(lba >> 8), (byte)lba, blocks, 0];

    public static byte[] Rw10(byte opcode, uint lba, ushort blocks, byte flags = 0)
    {
        var c = new byte[10];
        c[0] = opcode;
        c[1] = flags;
        BinaryPrimitives.WriteUInt32BigEndian(c.AsSpan(2), lba);
        BinaryPrimitives.WriteUInt16BigEndian(c.AsSpan(7), blocks);
        return c;
    }

    public static byte[] Rw12(byte opcode, uint lba, uint blocks, byte flags = 0)
    {
        var c = new byte[12];
        c[0] = opcode;
        c[1] = flags;
        BinaryPrimitives.WriteUInt32BigEndian(c.AsSpan(2), lba);
        BinaryPrimitives.WriteUInt32BigEndian(c.AsSpan(6), blocks);
        return c;
    }

    public static byte[] Rw16(byte opcode, ulong lba, uint blocks, byte flags = 0)
    {
        var c = new byte[16];
        c[0] = opcode;
        c[1] = flags;
        BinaryPrimitives.WriteUInt64BigEndian(c.AsSpan(2), lba);
        BinaryPrimitives.WriteUInt32BigEndian(c.AsSpan(10), blocks);
        return c;
    }

    public static byte[] Inquiry(bool evpd = false, byte page = 0, ushort allocation = 255) =>
        [OperationCode.Inquiry, (byte)(evpd ? 1 : 0), page, (byte)(allocation >> 8), (byte)allocation, 0];

    public static byte[] TestUnitReady() => [OperationCode.TestUnitReady, 0, 0, 0, 0, 0];

    public static byte[] RequestSense(bool descriptor = false, byte allocation = 252) =>
        [OperationCode.RequestSense, (byte)(descriptor ? 1 : 0), 0, 0, allocation, 0];

    public static byte[] ReadCapacity10() => new byte[10] { OperationCode.ReadCapacity10, 0, 0, 0, 0, 0, 0, 0, 0, 0 };

    public static byte[] ReadCapacity16(uint allocation = 32)
    {
        var c = new byte[16];
        c[0] = OperationCode.ServiceActionIn16;
        c[1] = OperationCode.ReadCapacity16ServiceAction;
        BinaryPrimitives.WriteUInt32BigEndian(c.AsSpan(10), allocation);
        return c;
    }

    public static byte[] ModeSense6(byte page, byte pageControl = 0, bool dbd = false, byte subpage = 0, byte allocation = 255) =>
        [OperationCode.ModeSense6, (byte)(dbd ? 0x08 : 0), (byte)((pageControl << 6) | page), subpage, allocation, 0];

    public static byte[] ModeSense10(byte page, byte pageControl = 0, bool dbd = false, bool llbaa = false, ushort allocation = 1024) =>
        [OperationCode.ModeSense10, (byte)((dbd ? 0x08 : 0) | (llbaa ? 0x10 : 0)), (byte)((pageControl << 6) | page), 0, 0, 0, 0, (byte)(allocation >> 8), (byte)allocation, 0];

    public static byte[] ModeSelect6(byte length, bool pf = true, bool sp = false) =>
        [OperationCode.ModeSelect6, (byte)((pf ? 0x10 : 0) | (sp ? 1 : 0)), 0, 0, length, 0];

    public static byte[] ModeSelect10(ushort length, bool pf = true) =>
        [OperationCode.ModeSelect10, (byte)(pf ? 0x10 : 0), 0, 0, 0, 0, 0, (byte)(length >> 8), (byte)length, 0];

    public static byte[] CompareAndWrite(ulong lba, byte blocks, byte flags = 0)
    {
        var c = new byte[16];
        c[0] = OperationCode.CompareAndWrite;
        c[1] = flags;
        BinaryPrimitives.WriteUInt64BigEndian(c.AsSpan(2), lba);
        c[13] = blocks;
        return c;
    }

    public static byte[] Unmap(ushort parameterLength) =>
        [OperationCode.Unmap, 0, 0, 0, 0, 0, 0, (byte)(parameterLength >> 8), (byte)parameterLength, 0];

    public static byte[] UnmapParameters(params (ulong Lba, uint Blocks)[] ranges)
    {
        var p = new byte[8 + (16 * ranges.Length)];
        BinaryPrimitives.WriteUInt16BigEndian(p, (ushort)(p.Length - 2));
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(2), (ushort)(16 * ranges.Length));
        for (var i = 0; i < ranges.Length; i++)
        {
            BinaryPrimitives.WriteUInt64BigEndian(p.AsSpan(8 + (16 * i)), ranges[i].Lba);
            BinaryPrimitives.WriteUInt32BigEndian(p.AsSpan(16 + (16 * i)), ranges[i].Blocks);
        }

        return p;
    }

    public static byte[] GetLbaStatus(ulong lba, uint allocation = 4096)
    {
        var c = new byte[16];
        c[0] = OperationCode.ServiceActionIn16;
        c[1] = OperationCode.GetLbaStatusServiceAction;
        BinaryPrimitives.WriteUInt64BigEndian(c.AsSpan(2), lba);
        BinaryPrimitives.WriteUInt32BigEndian(c.AsSpan(10), allocation);
        return c;
    }

    public static byte[] ReportSupportedOperationCodes(byte options = 0, byte opcode = 0, ushort serviceAction = 0, bool rctd = false, uint allocation = 8192)
    {
        var c = new byte[12];
        c[0] = OperationCode.MaintenanceIn;
        c[1] = OperationCode.ReportSupportedOperationCodesServiceAction;
        c[2] = (byte)(options | (rctd ? 0x80 : 0));
        c[3] = opcode;
        BinaryPrimitives.WriteUInt16BigEndian(c.AsSpan(4), serviceAction);
        BinaryPrimitives.WriteUInt32BigEndian(c.AsSpan(6), allocation);
        return c;
    }

    public static byte[] ReportLuns(uint allocation = 4096, byte select = 0)
    {
        var c = new byte[12];
        c[0] = OperationCode.ReportLuns;
        c[2] = select;
        BinaryPrimitives.WriteUInt32BigEndian(c.AsSpan(6), allocation);
        return c;
    }
}
