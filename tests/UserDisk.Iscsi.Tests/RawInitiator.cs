using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace UserDisk.Iscsi.Tests;

/// <summary>
/// A deliberately small iSCSI initiator over a raw socket: it builds PDUs byte by byte so tests can send both
/// correct and broken ones and see exactly what the target answers.
/// </summary>
internal sealed class RawInitiator : IDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private uint _cmdSn = 1;
    private uint _expStatSn;
    private uint _itt = 0x100;

    public RawInitiator(IPEndPoint endpoint)
    {
        _socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        _socket.Connect(endpoint);
        _stream = new NetworkStream(_socket, ownsSocket: true) { ReadTimeout = 10_000, WriteTimeout = 10_000 };
    }

    public string InitiatorName { get; init; } = "iqn.2026-11.test:raw";

    public ulong Isid { get; init; } = 0x23D0_0000_0001;

    public bool HeaderDigest { get; private set; }

    public bool DataDigest { get; private set; }

    public uint CmdSn => _cmdSn;

    public uint NextItt() => _itt++;

    /// <summary>Logs in to a normal (or discovery) session with AuthMethod=None in one step; returns the final response.</summary>
    public Pdu Login(string? targetName, params string[] extraKeys)
    {
        var keys = new List<string> { $"InitiatorName={InitiatorName}", targetName is null ? "SessionType=Discovery" : $"TargetName={targetName}", "AuthMethod=None" };
        var response = LoginStep(csg: 0, nsg: 1, transit: true, keys);
        if (response.Header[36] != 0)
        {
            return response;
        }

        var operational = new List<string> { "HeaderDigest=None", "DataDigest=None", "MaxRecvDataSegmentLength=262144", "ImmediateData=Yes", "InitialR2T=No", "MaxBurstLength=1048576", "FirstBurstLength=262144" };
        foreach (var key in extraKeys)
        {
            var name = key[..key.IndexOf('=', StringComparison.Ordinal)];
            operational.RemoveAll(k => k.StartsWith(name + "=", StringComparison.Ordinal));
            operational.Add(key);
        }

        response = LoginStep(csg: 1, nsg: 3, transit: true, operational);
        var text = response.Text;
        HeaderDigest = text.Contains("HeaderDigest=CRC32C", StringComparison.Ordinal);
        DataDigest = text.Contains("DataDigest=CRC32C", StringComparison.Ordinal);
        return response;
    }

    public Pdu LoginStep(int csg, int nsg, bool transit, IEnumerable<string> keys, ushort tsih = 0)
    {
        var data = Encoding.UTF8.GetBytes(string.Concat(keys.Select(k => k + "\0")));
        var h = new byte[48];
        h[0] = 0x40 | 0x03;
        h[1] = (byte)((transit ? 0x80 : 0) | (csg << 2) | nsg);
        BinaryPrimitives.WriteUInt64BigEndian(h.AsSpan(8), Isid << 16);
        BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(14), tsih);
        BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(16), NextItt());
        BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(24), _cmdSn);
        BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(28), _expStatSn);
        Send(h, data);
        var response = Receive();
        _expStatSn = response.StatSn + 1;
        return response;
    }

    /// <summary>Sends a SCSI command and runs it to completion (answering R2Ts); returns status, sense and data-in.</summary>
    public CommandResult Command(byte[] cdb, ulong lun = 0, int expectedLength = 0, byte[]? dataOut = null, int immediate = 0, byte attribute = 1)
    {
        var itt = NextItt();
        var h = new byte[48];
        h[0] = 0x01;
        h[1] = (byte)(0x80 | attribute | (dataOut is null ? (expectedLength > 0 ? 0x40 : 0) : 0x20));
        BinaryPrimitives.WriteUInt64BigEndian(h.AsSpan(8), lun << 48);
        BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(16), itt);
        BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(20), (uint)(dataOut?.Length ?? expectedLength));
        BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(24), _cmdSn++);
        BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(28), _expStatSn);
        cdb.CopyTo(h.AsSpan(32));
        var first = dataOut is null ? [] : dataOut.AsSpan(0, Math.Min(immediate, dataOut.Length)).ToArray();
        Send(h, first);
        var dataIn = new MemoryStream();
        while (true)
        {
            var pdu = Receive();
            switch (pdu.Opcode)
            {
                case 0x31: // R2T
                    var offset = (int)BinaryPrimitives.ReadUInt32BigEndian(pdu.Header.AsSpan(40));
                    var length = (int)BinaryPrimitives.ReadUInt32BigEndian(pdu.Header.AsSpan(44));
                    var ttt = BinaryPrimitives.ReadUInt32BigEndian(pdu.Header.AsSpan(20));
                    SendDataOut(itt, ttt, offset, dataOut!.AsSpan(offset, length).ToArray(), final: true);
                    break;
                case 0x25: // Data-In
                    dataIn.Write(pdu.Data);
                    if ((pdu.Header[1] & 0x01) != 0)
                    {
                        _expStatSn = pdu.StatSn + 1;
                        return new CommandResult(pdu.Header[3], [], dataIn.ToArray(), pdu.Header[1], BinaryPrimitives.ReadUInt32BigEndian(pdu.Header.AsSpan(44)));
                    }

                    break;
                case 0x21: // SCSI Response
                    _expStatSn = pdu.StatSn + 1;
                    var sense = pdu.Data.Length >= 2 ? pdu.Data.AsSpan(2, BinaryPrimitives.ReadUInt16BigEndian(pdu.Data)).ToArray() : [];
                    return new CommandResult(pdu.Header[3], sense, dataIn.ToArray(), pdu.Header[1], BinaryPrimitives.ReadUInt32BigEndian(pdu.Header.AsSpan(44)));
                default:
                    throw new InvalidOperationException($"unexpected opcode {pdu.Opcode:X2} while waiting for ITT {itt:X8}");
            }
        }
    }

    public void SendDataOut(uint itt, uint ttt, int offset, byte[] data, bool final, uint dataSn = 0)
    {
        var h = new byte[48];
        h[0] = 0x05;
        h[1] = (byte)(final ? 0x80 : 0);
        BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(16), itt);
        BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(20), ttt);
        BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(28), _expStatSn);
        BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(36), dataSn);
        BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(40), (uint)offset);
        Send(h, data);
    }

    public Pdu Nop(byte[] ping)
    {
        var h = new byte[48];
        h[0] = 0x40 | 0x00;
        h[1] = 0x80;
        BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(16), NextItt());
        BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(20), 0xFFFF_FFFF);
        BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(24), _cmdSn);
        BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(28), _expStatSn);
        Send(h, ping);
        var response = Receive();
        _expStatSn = response.StatSn + 1;
        return response;
    }

    public Pdu Text(params string[] keys)
    {
        var h = new byte[48];
        h[0] = 0x40 | 0x04;
        h[1] = 0x80;
        BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(16), NextItt());
        BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(20), 0xFFFF_FFFF);
        BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(24), _cmdSn);
        BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(28), _expStatSn);
        Send(h, Encoding.UTF8.GetBytes(string.Concat(keys.Select(k => k + "\0"))));
        var response = Receive();
        _expStatSn = response.StatSn + 1;
        return response;
    }

    public Pdu TaskManagement(byte function, ulong lun, uint referencedTag)
    {
        var h = new byte[48];
        h[0] = 0x40 | 0x02;
        h[1] = (byte)(0x80 | function);
        BinaryPrimitives.WriteUInt64BigEndian(h.AsSpan(8), lun << 48);
        BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(16), NextItt());
        BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(20), referencedTag);
        BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(24), _cmdSn);
        BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(28), _expStatSn);
        BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(32), _cmdSn);
        Send(h, []);
        var response = Receive();
        _expStatSn = response.StatSn + 1;
        return response;
    }

    public Pdu Logout()
    {
        var h = new byte[48];
        h[0] = 0x40 | 0x06;
        h[1] = 0x80;
        BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(16), NextItt());
        BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(24), _cmdSn);
        BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(28), _expStatSn);
        Send(h, []);
        return Receive();
    }

    /// <summary>Sends a PDU as given (digests added when negotiated).</summary>
    public void Send(byte[] header, byte[] data)
    {
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4), (uint)data.Length & 0x00FF_FFFF);
        header[4] = 0;
        var wire = new MemoryStream();
        wire.Write(header);
        if (HeaderDigest)
        {
            wire.Write(LittleEndian(Crc32C.Compute(header)));
        }

        if (data.Length > 0)
        {
            var padded = new byte[(data.Length + 3) & ~3];
            data.CopyTo(padded, 0);
            wire.Write(padded);
            if (DataDigest)
            {
                wire.Write(LittleEndian(Crc32C.Compute(padded)));
            }
        }

        SendRaw(wire.ToArray());
    }

    public void SendRaw(byte[] bytes) => _stream.Write(bytes);

    /// <summary>Half-closes the connection, as an initiator that dies mid-PDU does.</summary>
    public void ShutdownSend() => _socket.Shutdown(SocketShutdown.Send);

    public Pdu Receive()
    {
        var header = ReadExactly(48);
        var ahs = header[4] * 4;
        if (ahs > 0)
        {
            ReadExactly(ahs);
        }

        if (HeaderDigest)
        {
            ReadExactly(4);
        }

        var length = (header[5] << 16) | (header[6] << 8) | header[7];
        var data = length == 0 ? [] : ReadExactly((length + 3) & ~3)[..length];
        if (length > 0 && DataDigest)
        {
            ReadExactly(4);
        }

        return new Pdu(header, data);
    }

    /// <summary>True when the target closed the connection (reads EOF within the timeout).</summary>
    public bool IsClosedByTarget(int timeoutMs = 5000)
    {
        _stream.ReadTimeout = timeoutMs;
        try
        {
            var buffer = new byte[4096];
            while (true)
            {
                if (_stream.Read(buffer) == 0)
                {
                    return true;
                }
            }
        }
        catch (IOException)
        {
            return true;
        }
    }

    public void Dispose() => _stream.Dispose();

    private byte[] ReadExactly(int n)
    {
        var buffer = new byte[n];
        _stream.ReadExactly(buffer);
        return buffer;
    }

    private static byte[] LittleEndian(uint value)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, value);
        return b;
    }

    internal sealed record Pdu(byte[] Header, byte[] Data)
    {
        public byte Opcode => (byte)(Header[0] & 0x3F);

        public uint StatSn => BinaryPrimitives.ReadUInt32BigEndian(Header.AsSpan(24));

        public string Text => Encoding.UTF8.GetString(Data);
    }

    internal sealed record CommandResult(byte Status, byte[] Sense, byte[] Data, byte Flags, uint Residual);
}
