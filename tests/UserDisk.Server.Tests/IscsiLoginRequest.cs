using System.Buffers.Binary;
using System.Text;

namespace UserDisk.Server.Tests;

/// <summary>A minimal iSCSI Login Request PDU (RFC 7143 11.12): security stage, AuthMethod=None, transit to operational.</summary>
public static class IscsiLoginRequest
{
    public const int BhsLength = 48;

    public const byte LoginResponseOpcode = 0x23;

    public static byte[] Create(string initiatorName, string targetName)
    {
        byte[] data = Encoding.ASCII.GetBytes($"InitiatorName={initiatorName}\0SessionType=Normal\0TargetName={targetName}\0AuthMethod=None\0");
        int padded = (data.Length + 3) & ~3;
        byte[] pdu = new byte[BhsLength + padded];
        pdu[0] = 0x40 | 0x03; // immediate, Login Request
        pdu[1] = 0x80 | (0 << 2) | 1; // T=1, CSG=0 (security), NSG=1 (operational)
        pdu[2] = 0; // Version-max
        pdu[3] = 0; // Version-min
        pdu[5] = (byte)(data.Length >> 16);
        pdu[6] = (byte)(data.Length >> 8);
        pdu[7] = (byte)data.Length;
        byte[] isid = [0x80, 0x00, 0x00, 0x00, 0x12, 0x34]; // random-format ISID
        isid.CopyTo(pdu, 8);
        BinaryPrimitives.WriteUInt32BigEndian(pdu.AsSpan(16), 1); // ITT
        BinaryPrimitives.WriteUInt16BigEndian(pdu.AsSpan(20), 0); // CID
        BinaryPrimitives.WriteUInt32BigEndian(pdu.AsSpan(24), 1); // CmdSN
        data.CopyTo(pdu, BhsLength);
        return pdu;
    }
}
