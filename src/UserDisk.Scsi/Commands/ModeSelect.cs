using System.Buffers.Binary;
using static UserDisk.Scsi.OperationCode;

namespace UserDisk.Scsi.Commands;

/// <summary>
/// MODE SELECT (6) and (10) (SPC-5): accepts only the changeable fields (WCE, D_SENSE, SWP, TAS); any other bit
/// that differs from the current value is INVALID FIELD IN PARAMETER LIST pointing at it. The whole list is
/// checked before anything is applied, and a change raises MODE PARAMETERS CHANGED for the other nexuses.
/// </summary>
internal static class ModeSelect
{
    public static void Execute(LogicalUnit lu, ScsiCommand command)
    {
        var cdb = command.Cdb;
        var ten = cdb[0] == ModeSelect10;
        int parameterListLength = ten ? BinaryPrimitives.ReadUInt16BigEndian(cdb[7..]) : cdb[4];
        if ((cdb[1] & 0x10) == 0)
        {
            // PF=0 would mean vendor-specific page format; only the standard format is understood.
            lu.FailCdb(command, 1, 4);
            return;
        }

        if ((cdb[1] & 0x01) != 0)
        {
            // SP=1 asks to save pages; there are no saved pages.
            lu.FailCdb(command, 1, 0);
            return;
        }

        if (!lu.TryTakeDataOut(command, parameterListLength, out var memory))
        {
            return;
        }

        var data = memory.Span;
        var headerLength = ten ? 8 : 4;
        if (data.Length == 0)
        {
            return;
        }

        if (data.Length < headerLength)
        {
            lu.Fail(command, SenseCode.ParameterListLengthError);
            return;
        }

        int blockDescriptorLength = ten ? BinaryPrimitives.ReadUInt16BigEndian(data[6..]) : data[3];
        var longLba = ten && (data[4] & 0x01) != 0;
        if (data[1] != 0)
        {
            lu.FailParameter(command, 1); // MEDIUM TYPE: only 0 (the default medium) exists
            return;
        }

        if (blockDescriptorLength != 0 && blockDescriptorLength != (longLba ? 16 : 8))
        {
            lu.FailParameter(command, ten ? 6 : 3);
            return;
        }

        if (headerLength + blockDescriptorLength > data.Length)
        {
            lu.Fail(command, SenseCode.ParameterListLengthError);
            return;
        }

        if (blockDescriptorLength > 0)
        {
            // The block length cannot change (the backstore fixes it); zero means "unchanged".
            var offset = headerLength + (longLba ? 12 : 5);
            var blockLength = longLba
                ? BinaryPrimitives.ReadUInt32BigEndian(data[offset..])
                : (uint)((data[offset] << 16) | (data[offset + 1] << 8) | data[offset + 2]);
            if (blockLength != 0 && blockLength != (uint)lu.BlockSize)
            {
                lu.FailParameter(command, offset);
                return;
            }
        }

        var mode = lu.Mode;
        bool wce = mode.WriteCacheEnabled, dsense = mode.DescriptorSense, swp = mode.SoftwareWriteProtect, tas = mode.TaskAbortedStatus;
        Span<byte> current = stackalloc byte[32];
        Span<byte> changeable = stackalloc byte[32];
        var p = headerLength + blockDescriptorLength;
        while (p < data.Length)
        {
            if (data.Length - p < 2)
            {
                lu.Fail(command, SenseCode.ParameterListLengthError);
                return;
            }

            var pageCode = (byte)(data[p] & 0x3F);
            if ((data[p] & 0xC0) != 0)
            {
                // PS is reserved in MODE SELECT; SPF=1 (sub-page format) names no page we have.
                lu.FailParameter(command, p, (data[p] & 0x80) != 0 ? 7 : 6);
                return;
            }

            var length = ModePages.Length(pageCode);
            if (length < 0)
            {
                lu.FailParameter(command, p, 5);
                return;
            }

            if (data[p + 1] != length - 2)
            {
                lu.FailParameter(command, p + 1);
                return;
            }

            if (data.Length - p < length)
            {
                lu.Fail(command, SenseCode.ParameterListLengthError);
                return;
            }

            ModePages.Write(lu, pageCode, PageControl.Current, current);
            ModePages.Write(lu, pageCode, PageControl.Changeable, changeable);
            var page = data.Slice(p, length);
            for (var i = 2; i < length; i++)
            {
                var differs = (page[i] ^ current[i]) & ~changeable[i];
                if (differs != 0)
                {
                    // SPC-5 4.4.2.4.2: BIT POINTER names the (most significant) bit in error.
                    lu.FailParameter(command, p + i, 31 - int.LeadingZeroCount(differs));
                    return;
                }
            }

            switch (pageCode)
            {
                case ModePages.Caching:
                    wce = (page[2] & 0x04) != 0;
                    break;
                case ModePages.Control:
                    dsense = (page[2] & 0x04) != 0;
                    swp = (page[4] & 0x08) != 0;
                    tas = (page[5] & 0x40) != 0;
                    break;
            }

            p += length;
        }

        var changed = wce != mode.WriteCacheEnabled || dsense != mode.DescriptorSense
            || swp != mode.SoftwareWriteProtect || tas != mode.TaskAbortedStatus;
        mode.WriteCacheEnabled = wce;
        mode.DescriptorSense = dsense;
        mode.SoftwareWriteProtect = swp;
        mode.TaskAbortedStatus = tas;
        if (changed)
        {
            // SPC-5: other I_T nexuses learn of the change through MODE PARAMETERS CHANGED.
            lu.EstablishUnitAttention(UnitAttention.ModeParametersChanged, command.Nexus);
        }
    }
}
