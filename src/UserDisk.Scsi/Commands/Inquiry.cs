using System.Buffers.Binary;
using System.Text;

namespace UserDisk.Scsi.Commands;

/// <summary>INQUIRY (SPC-5): standard data and the vital product data pages of an SBC-4 disk.</summary>
internal static class Inquiry
{
    public const byte SupportedPages = 0x00;
    public const byte UnitSerialNumber = 0x80;
    public const byte DeviceIdentification = 0x83;
    public const byte ExtendedInquiry = 0x86;
    public const byte BlockLimits = 0xB0;
    public const byte BlockDeviceCharacteristics = 0xB1;
    public const byte LogicalBlockProvisioning = 0xB2;

    private static readonly byte[] PageList =
        [SupportedPages, UnitSerialNumber, DeviceIdentification, ExtendedInquiry, BlockLimits, BlockDeviceCharacteristics, LogicalBlockProvisioning];

    // Version descriptors (SPC-5 table of version descriptor values, "no version claimed" codes).
    private const ushort Sam5 = 0x00A0;
    private const ushort Spc4 = 0x0460;
    private const ushort Sbc3 = 0x04C0;
    private const ushort Sbc4 = 0x0600;

    public static void Execute(LogicalUnit lu, ScsiCommand command)
    {
        var cdb = command.Cdb;
        var evpd = (cdb[1] & 0x01) != 0;
        if ((cdb[1] & 0x02) != 0)
        {
            // CMDDT is obsolete (SPC-5): refuse it.
            lu.FailCdb(command, 1, 1);
            return;
        }

        var page = cdb[2];
        var allocationLength = BinaryPrimitives.ReadUInt16BigEndian(cdb[3..]);
        if (!evpd && page != 0)
        {
            lu.FailCdb(command, 2);
            return;
        }

        Span<byte> buffer = stackalloc byte[256];
        buffer.Clear();
        int length;
        if (!evpd)
        {
            length = WriteStandard(lu, buffer);
        }
        else
        {
            length = page switch
            {
                SupportedPages => WriteSupportedPages(buffer),
                UnitSerialNumber => WriteUnitSerialNumber(lu, buffer),
                DeviceIdentification => WriteDeviceIdentification(lu, command.Nexus, buffer),
                ExtendedInquiry => WriteExtendedInquiry(buffer),
                BlockLimits => WriteBlockLimits(lu, buffer),
                BlockDeviceCharacteristics => WriteBlockDeviceCharacteristics(buffer),
                LogicalBlockProvisioning => WriteLogicalBlockProvisioning(lu, buffer),
                _ => -1,
            };
            if (length < 0)
            {
                lu.FailCdb(command, 2);
                return;
            }
        }

        command.CompleteDataIn(buffer[..length], allocationLength);
    }

    private static int WriteStandard(LogicalUnit lu, Span<byte> b)
    {
        const int Length = 74;
        b[0] = 0x00;            // peripheral qualifier 0, device type 0 (direct access block device)
        b[1] = 0x00;            // not removable
        // VERSION 06h (SPC-4): the command set here is SPC-4's (reservations included); conformance suites and
        // some initiators reject 07h.
        b[2] = 0x06;
        b[3] = 0x12;            // HISUP=1, RESPONSE DATA FORMAT=2
        b[4] = Length - 5;      // ADDITIONAL LENGTH
        b[5] = 0x00;            // no PROTECT, no 3PC, no ALUA (TPGS=0)
        b[6] = 0x00;
        b[7] = 0x02;            // CMDQUE: commands queue concurrently
        WriteAscii(b.Slice(8, 8), lu.Options.Vendor);
        WriteAscii(b.Slice(16, 16), lu.Options.Product);
        WriteAscii(b.Slice(32, 4), lu.Options.Revision);
        var descriptors = b.Slice(58, 16);
        BinaryPrimitives.WriteUInt16BigEndian(descriptors, Sam5);
        BinaryPrimitives.WriteUInt16BigEndian(descriptors[2..], Spc4);
        // SBC-3 and SBC-4: initiators and suites that know only SBC-3 look for its descriptor before they trust
        // the SBC-3 VPD pages.
        BinaryPrimitives.WriteUInt16BigEndian(descriptors[4..], Sbc3);
        BinaryPrimitives.WriteUInt16BigEndian(descriptors[6..], Sbc4);
        BinaryPrimitives.WriteUInt16BigEndian(descriptors[8..], lu.Options.TransportVersionDescriptor);
        return Length;
    }

    private static int WriteSupportedPages(Span<byte> b)
    {
        b[1] = SupportedPages;
        b[3] = (byte)PageList.Length;
        PageList.CopyTo(b[4..]);
        return 4 + PageList.Length;
    }

    private static int WriteUnitSerialNumber(LogicalUnit lu, Span<byte> b)
    {
        b[1] = UnitSerialNumber;
        var n = Encoding.ASCII.GetBytes(lu.SerialNumber, b[4..]);
        b[3] = (byte)n;
        return 4 + n;
    }

    private static int WriteDeviceIdentification(LogicalUnit lu, ItNexus? nexus, Span<byte> b)
    {
        b[1] = DeviceIdentification;
        var p = 4;

        // NAA designator, NAA 3 "locally assigned" (SPC-5 NAA designator format): we have no IEEE OUI to use
        // NAA 5/6, and a locally assigned name derived from the backstore identity is stable and unique enough.
        b[p] = 0x01;            // protocol identifier 0, code set 1 (binary)
        b[p + 1] = 0x03;        // PIV 0, association 0 (logical unit), designator type 3 (NAA)
        b[p + 3] = 8;
        BinaryPrimitives.WriteUInt64BigEndian(b[(p + 4)..], lu.NaaDesignator);
        p += 12;

        // T10 vendor ID designator: 8-byte vendor identification followed by the unit serial number.
        b[p] = 0x02;            // code set 2 (ASCII)
        b[p + 1] = 0x01;        // association 0, designator type 1 (T10 vendor ID)
        WriteAscii(b.Slice(p + 4, 8), lu.Options.Vendor);
        var n = Encoding.ASCII.GetBytes(lu.SerialNumber, b[(p + 12)..]);
        b[p + 3] = (byte)(8 + n);
        p += 4 + 8 + n;

        if (nexus is not null)
        {
            // Relative target port identifier (association 1, target port): lets multipath tell ports apart.
            b[p] = 0x01;
            b[p + 1] = 0x14;    // association 1 (target port), designator type 4
            b[p + 3] = 4;
            BinaryPrimitives.WriteUInt16BigEndian(b[(p + 6)..], nexus.RelativeTargetPortId);
            p += 8;
        }

        BinaryPrimitives.WriteUInt16BigEndian(b[2..], (ushort)(p - 4));
        return p;
    }

    private static int WriteExtendedInquiry(Span<byte> b)
    {
        b[1] = ExtendedInquiry;
        b[3] = 0x3C;
        b[5] = 0x07;            // HEADSUP, ORDSUP, SIMPSUP: all three task attributes are honoured
        b[6] = 0x01;            // V_SUP: a volatile cache exists (SYNCHRONIZE CACHE matters)
        b[7] = 0x01;            // LUICLR: unit attentions are cleared per I_T nexus
        return 64;
    }

    private static int WriteBlockLimits(LogicalUnit lu, Span<byte> b)
    {
        var o = lu.Options;
        var bs = lu.BlockSize;
        b[1] = BlockLimits;
        b[3] = 0x3C;
        b[4] = 0x01;            // WSNZ: WRITE SAME with zero blocks is refused rather than "to the end of the medium"
        b[5] = o.MaxCompareAndWriteBlocks;
        BinaryPrimitives.WriteUInt16BigEndian(b[6..], (ushort)Math.Max(1, 4096 / bs));
        var maxTransfer = (uint)(o.MaxTransferBytes / bs);
        BinaryPrimitives.WriteUInt32BigEndian(b[8..], maxTransfer);
        BinaryPrimitives.WriteUInt32BigEndian(b[12..], maxTransfer);
        BinaryPrimitives.WriteUInt32BigEndian(b[16..], maxTransfer);
        if (lu.Backstore.SupportsUnmap)
        {
            BinaryPrimitives.WriteUInt32BigEndian(b[20..], o.MaxUnmapBlocks);
            BinaryPrimitives.WriteUInt32BigEndian(b[24..], o.MaxUnmapDescriptors);
            BinaryPrimitives.WriteUInt32BigEndian(b[28..], (uint)Math.Max(1, 4096 / bs));
            BinaryPrimitives.WriteUInt32BigEndian(b[32..], 0x8000_0000); // UGAVALID, alignment 0
        }

        BinaryPrimitives.WriteUInt64BigEndian(b[36..], o.MaxUnmapBlocks);
        return 64;
    }

    private static int WriteBlockDeviceCharacteristics(Span<byte> b)
    {
        b[1] = BlockDeviceCharacteristics;
        b[3] = 0x3C;
        BinaryPrimitives.WriteUInt16BigEndian(b[4..], 1); // MEDIUM ROTATION RATE 1: non-rotating medium

        // VBULS: VERIFY and WRITE AND VERIFY with BYTCHK 01b compare deallocated blocks as the zeros they read. With
        // VBULS=0, SBC-4 (VERIFY command, BYTCHK field) would require MISCOMPARE VERIFY OF UNMAPPED LBA instead.
        b[8] = 0x01;
        return 64;
    }

    private static int WriteLogicalBlockProvisioning(LogicalUnit lu, Span<byte> b)
    {
        b[1] = LogicalBlockProvisioning;
        b[3] = 0x04;
        if (lu.Backstore.SupportsUnmap)
        {
            // LBPU (UNMAP), LBPWS (WRITE SAME(16) UNMAP), LBPWS10, and LBPRZ=001b when deallocated blocks read zero.
            b[5] = (byte)(0xE0 | (lu.Backstore.UnmappedReadsZero ? 0x04 : 0));
            b[6] = 0x02;        // PROVISIONING TYPE: thin
        }

        return 8;
    }

    private static void WriteAscii(Span<byte> destination, string value)
    {
        destination.Fill((byte)' ');
        for (var i = 0; i < destination.Length && i < value.Length; i++)
        {
            var c = value[i];
            destination[i] = c is >= ' ' and <= '~' ? (byte)c : (byte)'?';
        }
    }
}
