using System.Buffers.Binary;
using UserDisk.Scsi;

namespace UserDisk.Scsi.Tests;

/// <summary>Builds CDBs for tests, laid out as SBC-4 and SPC-5 define them.</summary>
internal static class Cdb
{
    public static byte[] Read10(uint lba, ushort blocks, byte flags = 0) => Rw10(OperationCode.Read10, lba, blocks, flags);

    public static byte[] Write10(uint lba, ushort blocks, byte flags = 0) => Rw10(OperationCode.Write10, lba, blocks, flags);

    public static byte[] Read16(ulong lba, uint blocks, byte flags = 0) => Rw16(OperationCode.Read16, lba, blocks, flags);

    public static byte[] Write16(ulong lba, uint blocks, byte flags = 0) => Rw16(OperationCode.Write16, lba, blocks, flags);

    /// <summary>READ or WRITE of any length: 6, 10, 12 or 16 bytes, as the opcode says.</summary>
    public static byte[] ReadWrite(byte opcode, ulong lba, uint blocks, byte flags = 0) => opcode switch
    {
        OperationCode.Read6 or OperationCode.Write6 => Rw6(opcode, (uint)lba, (byte)blocks),
        OperationCode.Read10 or OperationCode.Write10 => Rw10(opcode, (uint)lba, (ushort)blocks, flags),
        OperationCode.Read12 or OperationCode.Write12 => Rw12(opcode, (uint)lba, blocks, flags),
        _ => Rw16(opcode, lba, blocks, flags),
    };

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

    public static byte[] ReadCapacity10(uint lba = 0, bool pmi = false)
    {
        var c = new byte[10];
        c[0] = OperationCode.ReadCapacity10;
        BinaryPrimitives.WriteUInt32BigEndian(c.AsSpan(2), lba);
        c[8] = (byte)(pmi ? 1 : 0);
        return c;
    }

    public static byte[] ReadCapacity16(uint allocation = 32, ulong lba = 0, bool pmi = false)
    {
        var c = new byte[16];
        c[0] = OperationCode.ServiceActionIn16;
        c[1] = OperationCode.ReadCapacity16ServiceAction;
        BinaryPrimitives.WriteUInt64BigEndian(c.AsSpan(2), lba);
        BinaryPrimitives.WriteUInt32BigEndian(c.AsSpan(10), allocation);
        c[14] = (byte)(pmi ? 1 : 0);
        return c;
    }

    /// <summary>
    /// A 10-, 12- or 16-byte LBA + count CDB (VERIFY, WRITE AND VERIFY, SYNCHRONIZE CACHE, PRE-FETCH, WRITE SAME),
    /// its length chosen by the opcode's group code as SBC-4 lays them out.
    /// </summary>
    public static byte[] LbaCount(byte opcode, ulong lba, uint blocks, byte flags = 0) => (opcode >> 5) switch
    {
        1 or 2 => Rw10(opcode, (uint)lba, (ushort)blocks, flags),
        5 => Rw12(opcode, (uint)lba, blocks, flags),
        _ => Rw16(opcode, lba, blocks, flags),
    };

    /// <summary>BYTCHK (byte 1, bits 2-1) of VERIFY and WRITE AND VERIFY.</summary>
    public static byte ByteCheck(int bytchk) => (byte)(bytchk << 1);

    public static byte[] StartStopUnit(byte powerConditionAndFlags, bool immediate = false) =>
        [OperationCode.StartStopUnit, (byte)(immediate ? 1 : 0), 0, 0, powerConditionAndFlags, 0];

    public static byte[] PreventAllowMediumRemoval(byte prevent) =>
        [OperationCode.PreventAllowMediumRemoval, 0, 0, 0, prevent, 0];

    public static byte[] ReportSupportedTaskManagementFunctions(bool repd = false, uint allocation = 16)
    {
        var c = new byte[12];
        c[0] = OperationCode.MaintenanceIn;
        c[1] = OperationCode.ReportSupportedTaskManagementFunctionsServiceAction;
        c[2] = (byte)(repd ? 0x80 : 0);
        BinaryPrimitives.WriteUInt32BigEndian(c.AsSpan(6), allocation);
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

    public static byte[] Unmap(ushort parameterLength, bool anchor = false) =>
        [OperationCode.Unmap, (byte)(anchor ? 1 : 0), 0, 0, 0, 0, 0, (byte)(parameterLength >> 8), (byte)parameterLength, 0];

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

    /// <summary>PERSISTENT RESERVE IN (SPC-5 6.15.1) with a service action and ALLOCATION LENGTH.</summary>
    public static byte[] PersistentReserveIn(byte serviceAction, ushort allocation = 4096)
    {
        var c = new byte[10];
        c[0] = OperationCode.PersistentReserveIn;
        c[1] = serviceAction;
        BinaryPrimitives.WriteUInt16BigEndian(c.AsSpan(7), allocation);
        return c;
    }

    /// <summary>PERSISTENT RESERVE OUT (SPC-5 6.16.1): service action, SCOPE (0 = LU_SCOPE) and TYPE, PARAMETER LIST LENGTH.</summary>
    public static byte[] PersistentReserveOut(byte serviceAction, byte type = 0, uint parameterLength = 24, byte scope = 0)
    {
        var c = new byte[10];
        c[0] = OperationCode.PersistentReserveOut;
        c[1] = serviceAction;
        c[2] = (byte)((scope << 4) | type);
        BinaryPrimitives.WriteUInt32BigEndian(c.AsSpan(5), parameterLength);
        return c;
    }

    /// <summary>The basic PERSISTENT RESERVE OUT parameter list (SPC-5 6.16.3): keys and SPEC_I_PT/ALL_TG_PT/APTPL.</summary>
    public static byte[] PersistentReserveOutParameters(ulong key, ulong serviceActionKey = 0, bool aptpl = false, bool allTargetPorts = false, bool specifyInitiatorPorts = false)
    {
        var p = new byte[24];
        BinaryPrimitives.WriteUInt64BigEndian(p, key);
        BinaryPrimitives.WriteUInt64BigEndian(p.AsSpan(8), serviceActionKey);
        p[20] = (byte)((specifyInitiatorPorts ? 0x08 : 0) | (allTargetPorts ? 0x04 : 0) | (aptpl ? 0x01 : 0));
        return p;
    }

    /// <summary>The REGISTER AND MOVE parameter list (SPC-5 6.16.4) carrying one TransportID.</summary>
    public static byte[] RegisterAndMoveParameters(ulong key, ulong serviceActionKey, ushort relativeTargetPortId, byte[] transportId, bool unregister = false, bool aptpl = false)
    {
        var p = new byte[24 + transportId.Length];
        BinaryPrimitives.WriteUInt64BigEndian(p, key);
        BinaryPrimitives.WriteUInt64BigEndian(p.AsSpan(8), serviceActionKey);
        p[17] = (byte)((unregister ? 0x02 : 0) | (aptpl ? 0x01 : 0));
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(18), relativeTargetPortId);
        BinaryPrimitives.WriteUInt32BigEndian(p.AsSpan(20), (uint)transportId.Length);
        transportId.CopyTo(p.AsSpan(24));
        return p;
    }

    public static byte[] Reserve6() => [OperationCode.Reserve6, 0, 0, 0, 0, 0];

    public static byte[] Release6() => [OperationCode.Release6, 0, 0, 0, 0, 0];

    /// <summary>RESERVE(10); <paramref name="thirdParty"/> sets 3RDPTY with a THIRD-PARTY DEVICE ID (SPC-2 7.22).</summary>
    public static byte[] Reserve10(bool thirdParty = false, byte thirdPartyDeviceId = 0) =>
        [OperationCode.Reserve10, (byte)(thirdParty ? 0x10 : 0), 0, thirdPartyDeviceId, 0, 0, 0, 0, 0, 0];

    public static byte[] Release10() => [OperationCode.Release10, 0, 0, 0, 0, 0, 0, 0, 0, 0];
}
