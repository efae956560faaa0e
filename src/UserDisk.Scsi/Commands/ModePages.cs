namespace UserDisk.Scsi.Commands;

/// <summary>
/// The mode pages of the unit (SPC-5 mode parameters, SBC-4 Caching page): their current, changeable and
/// default values, encoded in place.
/// </summary>
internal static class ModePages
{
    public const byte Caching = 0x08;
    public const byte Control = 0x0A;
    public const byte InformationalExceptions = 0x1C;
    public const byte AllPages = 0x3F;

    public const int CachingLength = 20;
    public const int ControlLength = 12;
    public const int InformationalExceptionsLength = 12;

    /// <summary>Pages in the order MODE SENSE returns them for "all pages".</summary>
    public static ReadOnlySpan<byte> Supported => [Caching, Control, InformationalExceptions];

    public static int Length(byte page) => page switch
    {
        Caching => CachingLength,
        Control => ControlLength,
        InformationalExceptions => InformationalExceptionsLength,
        _ => -1,
    };

    /// <summary>Writes one page; returns its length, or -1 for a page the unit does not have.</summary>
    public static int Write(LogicalUnit lu, byte page, PageControl control, Span<byte> d)
    {
        var length = Length(page);
        if (length < 0)
        {
            return -1;
        }

        d = d[..length];
        d.Clear();
        d[0] = page;
        d[1] = (byte)(length - 2);
        var mode = lu.Mode;
        switch (page)
        {
            case Caching:
                // Byte 2 bit 2 WCE. Only WCE is changeable.
                d[2] = control switch
                {
                    PageControl.Changeable => 0x04,
                    PageControl.Default => mode.DefaultWriteCacheEnabled ? (byte)0x04 : (byte)0,
                    _ => mode.WriteCacheEnabled ? (byte)0x04 : (byte)0,
                };
                break;
            case Control:
                if (control == PageControl.Changeable)
                {
                    d[2] = 0x04;        // D_SENSE
                    d[4] = 0x08;        // SWP
                    d[5] = 0x40;        // TAS
                    break;
                }

                var current = control == PageControl.Current;
                // Byte 2: TST=000 (one task set for all nexuses), D_SENSE (bit 2), GLTSD=1 (no saved log parameters).
                d[2] = (byte)(0x02 | ((current ? mode.DescriptorSense : mode.DefaultDescriptorSense) ? 0x04 : 0));
                // Byte 3: QUEUE ALGORITHM MODIFIER 1 (unrestricted reordering of SIMPLE tasks), QERR=00.
                d[3] = 0x10;
                d[4] = (byte)(current && mode.SoftwareWriteProtect ? 0x08 : 0);
                d[5] = (byte)(current && mode.TaskAbortedStatus ? 0x40 : 0);
                break;
            case InformationalExceptions:
                // DEXCPT=1: informational exception reporting is disabled (there is nothing to predict), MRIE 0.
                d[2] = control == PageControl.Changeable ? (byte)0 : (byte)0x08;
                break;
        }

        return length;
    }
}
