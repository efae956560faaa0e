using System.Buffers.Binary;
using System.Diagnostics.Metrics;

namespace UserDisk.Iscsi.Tests;

/// <summary>
/// Bad input from one connection closes that connection only: the server goes on, other sessions keep serving, and
/// each case is counted in userdisk_iscsi_protocol_errors.
/// </summary>
public sealed class NegativeInputTests
{
    public static TheoryData<string> Cases => ["garbage", "oversized_segment", "command_before_login", "truncated", "bad_header_digest", "cmdsn_gap", "data_out_out_of_sequence", "bad_datasn", "bad_text"];

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Bad_input_closes_only_its_connection_and_is_counted(string kind)
    {
        await using var target = await TestTarget.StartAsync();
        using var bystander = target.Connect("iqn.2026-11.test:bystander", 0x23D0_0000_0002);
        bystander.Login(TestTarget.Name);
        bystander.Command([0x00, 0, 0, 0, 0, 0]);
        using var errors = new ProtocolErrorCounter();

        using (var attacker = target.Connect())
        {
            Misbehave(attacker, kind);
            Assert.True(attacker.IsClosedByTarget(), $"{kind}: the target kept the connection open");
        }

        // The other session still works, and a new one can log in.
        Assert.Equal(0, bystander.Command([0x00, 0, 0, 0, 0, 0]).Status);
        using var newcomer = target.Connect("iqn.2026-11.test:newcomer", 0x23D0_0000_0003);
        Assert.Equal(0, newcomer.Login(TestTarget.Name).Header[36]);
        if (kind != "truncated")
        {
            Assert.True(errors.Count > 0, $"{kind}: no protocol error was counted");
        }
    }

    private static void Misbehave(RawInitiator attacker, string kind)
    {
        switch (kind)
        {
            case "garbage":
                attacker.SendRaw([.. Enumerable.Range(0, 200).Select(i => (byte)(i * 37 + 11))]);
                break;
            case "oversized_segment":
                var big = new byte[48];
                big[0] = 0x43;
                big[5] = 0x7F; // 8 MiB data segment announced during login
                attacker.SendRaw(big);
                break;
            case "command_before_login":
                var cmd = new byte[48];
                cmd[0] = 0x01;
                cmd[1] = 0x80;
                attacker.SendRaw(cmd);
                break;
            case "truncated":
                var half = new byte[30];
                half[0] = 0x43;
                attacker.SendRaw(half);
                attacker.ShutdownSend();
                break;
            case "bad_header_digest":
                attacker.Login(TestTarget.Name, "HeaderDigest=CRC32C");
                var h = new byte[48];
                h[0] = 0x40;
                h[1] = 0x80;
                BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(16), 0xFFFF_FFFF);
                attacker.SendRaw([.. h, 1, 2, 3, 4]);
                break;
            case "cmdsn_gap":
                attacker.Login(TestTarget.Name);
                var gap = new byte[48];
                gap[0] = 0x01;
                gap[1] = 0x81;
                BinaryPrimitives.WriteUInt32BigEndian(gap.AsSpan(16), 7);
                BinaryPrimitives.WriteUInt32BigEndian(gap.AsSpan(24), attacker.CmdSn + 5);
                attacker.Send(gap, []);
                break;
            case "data_out_out_of_sequence":
                attacker.Login(TestTarget.Name, "InitialR2T=No");
                var w = new byte[48];
                w[0] = 0x01;
                w[1] = 0x21;
                BinaryPrimitives.WriteUInt32BigEndian(w.AsSpan(16), 9);
                BinaryPrimitives.WriteUInt32BigEndian(w.AsSpan(20), 8192);
                BinaryPrimitives.WriteUInt32BigEndian(w.AsSpan(24), attacker.CmdSn);
                new byte[] { 0x2A, 0, 0, 0, 0, 0, 0, 0, 16, 0 }.CopyTo(w.AsSpan(32));
                attacker.Send(w, []);
                attacker.SendDataOut(9, 0xFFFF_FFFF, 4096, new byte[512], final: true); // offset skips ahead
                break;
            case "bad_datasn":
                attacker.Login(TestTarget.Name, "InitialR2T=No");
                var d = new byte[48];
                d[0] = 0x01;
                d[1] = 0x21;
                BinaryPrimitives.WriteUInt32BigEndian(d.AsSpan(16), 11);
                BinaryPrimitives.WriteUInt32BigEndian(d.AsSpan(20), 8192);
                BinaryPrimitives.WriteUInt32BigEndian(d.AsSpan(24), attacker.CmdSn);
                new byte[] { 0x2A, 0, 0, 0, 0, 0, 0, 0, 16, 0 }.CopyTo(d.AsSpan(32));
                attacker.Send(d, []);
                attacker.SendDataOut(11, 0xFFFF_FFFF, 0, new byte[4096], final: false, dataSn: 5);
                break;
            case "bad_text":
                attacker.Login(TestTarget.Name);
                var t = new byte[48];
                t[0] = 0x44;
                t[1] = 0x80;
                BinaryPrimitives.WriteUInt32BigEndian(t.AsSpan(16), 3);
                BinaryPrimitives.WriteUInt32BigEndian(t.AsSpan(20), 0xFFFF_FFFF);
                BinaryPrimitives.WriteUInt32BigEndian(t.AsSpan(24), attacker.CmdSn);
                attacker.Send(t, "SendTargets=All"u8.ToArray()); // no NUL
                break;
        }
    }

    private sealed class ProtocolErrorCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _count;

        public ProtocolErrorCounter()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == IscsiMetrics.MeterName && instrument.Name == "userdisk_iscsi_protocol_errors")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _count, value));
            _listener.Start();
        }

        public long Count => Interlocked.Read(ref _count);

        public void Dispose() => _listener.Dispose();
    }
}
