using System.Buffers.Binary;
using static UserDisk.Scsi.OperationCode;

namespace UserDisk.Scsi.Commands;

/// <summary>MODE SENSE (6) and (10) (SPC-5): header, optional block descriptor, and the requested pages.</summary>
internal static class ModeSense
{
    public static void Execute(LogicalUnit lu, ScsiCommand command)
    {
        var cdb = command.Cdb;
        var ten = cdb[0] == ModeSense10;
        var dbd = (cdb[1] & 0x08) != 0;
        var longLba = ten && (cdb[1] & 0x10) != 0;
        var control = (PageControl)(cdb[2] >> 6);
        var page = (byte)(cdb[2] & 0x3F);
        var subpage = cdb[3];
        int allocationLength = ten ? BinaryPrimitives.ReadUInt16BigEndian(cdb[7..]) : cdb[4];

        if (control == PageControl.Saved)
        {
            // No saved pages: SPC-5 says SAVING PARAMETERS NOT SUPPORTED.
            lu.Fail(command, SenseCode.SavingParametersNotSupported, FieldPointer.Cdb(2, 7));
            return;
        }

        if (page == ModePages.AllPages ? subpage is not (0x00 or 0xFF) : subpage != 0)
        {
            lu.FailCdb(command, 3);
            return;
        }

        if (page != ModePages.AllPages && ModePages.Length(page) < 0)
        {
            lu.FailCdb(command, 2, 5);
            return;
        }

        Span<byte> buffer = stackalloc byte[128];
        buffer.Clear();
        var headerLength = ten ? 8 : 4;
        var blockDescriptorLength = dbd ? 0 : longLba ? 16 : 8;
        var p = headerLength;
        if (blockDescriptorLength == 8)
        {
            // Short block descriptor: NUMBER OF BLOCKS saturates at FFFFFFFFh; BLOCK LENGTH is 24 bits.
            var blocks = lu.BlockCount;
            BinaryPrimitives.WriteUInt32BigEndian(buffer[p..], blocks > uint.MaxValue ? uint.MaxValue : (uint)blocks);
            BinaryPrimitives.WriteUInt32BigEndian(buffer[(p + 4)..], (uint)lu.BlockSize & 0x00FF_FFFF);
        }
        else if (blockDescriptorLength == 16)
        {
            BinaryPrimitives.WriteUInt64BigEndian(buffer[p..], (ulong)lu.BlockCount);
            BinaryPrimitives.WriteUInt32BigEndian(buffer[(p + 12)..], (uint)lu.BlockSize);
        }

        p += blockDescriptorLength;
        if (page == ModePages.AllPages)
        {
            foreach (var each in ModePages.Supported)
            {
                p += ModePages.Write(lu, each, control, buffer[p..]);
            }
        }
        else
        {
            p += ModePages.Write(lu, page, control, buffer[p..]);
        }

        // Device-specific parameter (SBC-4): WP when writes are refused, DPOFUA since DPO and FUA are honoured.
        var deviceSpecific = (byte)(0x10 | (lu.IsReadOnly || lu.Mode.SoftwareWriteProtect ? 0x80 : 0));
        if (ten)
        {
            BinaryPrimitives.WriteUInt16BigEndian(buffer, (ushort)(p - 2));
            buffer[3] = deviceSpecific;
            buffer[4] = (byte)(longLba ? 0x01 : 0);
            BinaryPrimitives.WriteUInt16BigEndian(buffer[6..], (ushort)blockDescriptorLength);
        }
        else
        {
            buffer[0] = (byte)(p - 1);
            buffer[2] = deviceSpecific;
            buffer[3] = (byte)blockDescriptorLength;
        }

        command.CompleteDataIn(buffer[..p], allocationLength);
    }
}
