using System.Security.Cryptography;
using System.Text;

namespace UserDisk.Iscsi.Tests;

public sealed class LoginTests
{
    [Fact]
    public async Task Normal_login_reaches_full_feature_phase_and_declares_target_values()
    {
        await using var target = await TestTarget.StartAsync();
        using var initiator = target.Connect();
        var response = initiator.Login(TestTarget.Name);
        Assert.Equal(0x23, response.Opcode);
        Assert.Equal(0, response.Header[36]);
        Assert.Equal(0x80 | (1 << 2) | 3, response.Header[1]); // T=1, CSG=1, NSG=3
        Assert.NotEqual(0, (response.Header[14] << 8) | response.Header[15]); // TSIH assigned
        Assert.Contains("MaxRecvDataSegmentLength=262144", response.Text, StringComparison.Ordinal);
        Assert.Contains("TargetPortalGroupTag=1", response.Text, StringComparison.Ordinal);
        Assert.Contains("InitialR2T=No", response.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task First_burst_length_answered_never_exceeds_the_max_burst_length_whatever_the_key_order()
    {
        await using var target = await TestTarget.StartAsync();
        using var initiator = target.Connect();
        var response = initiator.LoginStep(0, 1, true, [$"InitiatorName={initiator.InitiatorName}", $"TargetName={TestTarget.Name}", "AuthMethod=None"]);
        Assert.Equal(0, response.Header[36]);
        response = initiator.LoginStep(1, 3, true, ["FirstBurstLength=262144", "MaxBurstLength=65536"]);
        Assert.Equal(0, response.Header[36]);
        Assert.Contains("FirstBurstLength=65536\0", response.Text, StringComparison.Ordinal);
        Assert.Contains("MaxBurstLength=65536", response.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Discovery_session_lists_the_target_at_the_port_it_listens_on()
    {
        await using var target = await TestTarget.StartAsync();
        using var initiator = target.Connect();
        Assert.Equal(0, initiator.Login(null).Header[36]);
        var text = initiator.Text("SendTargets=All").Text;
        Assert.Contains($"TargetName={TestTarget.Name}\0", text, StringComparison.Ordinal);
        Assert.Contains($"TargetAddress=127.0.0.1:{target.Endpoint.Port},1\0", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_target_is_refused_with_not_found()
    {
        await using var target = await TestTarget.StartAsync();
        using var initiator = target.Connect();
        var response = initiator.Login("iqn.2026-11.io.userdisk.test:nope");
        Assert.Equal(0x02, response.Header[36]);
        Assert.Equal(0x03, response.Header[37]);
        Assert.True(initiator.IsClosedByTarget());
    }

    [Fact]
    public async Task Missing_initiator_name_is_refused_with_missing_parameter()
    {
        await using var target = await TestTarget.StartAsync();
        using var initiator = target.Connect();
        var response = initiator.LoginStep(0, 1, true, [$"TargetName={TestTarget.Name}", "AuthMethod=None"]);
        Assert.Equal(0x02, response.Header[36]);
        Assert.Equal(0x07, response.Header[37]);
    }

    [Fact]
    public async Task Unknown_keys_are_answered_not_understood()
    {
        await using var target = await TestTarget.StartAsync();
        using var initiator = target.Connect();
        var response = initiator.Login(TestTarget.Name, "X-com.example.Frobnicate=7");
        Assert.Equal(0, response.Header[36]);
        Assert.Contains("X-com.example.Frobnicate=NotUnderstood", response.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Digests_are_negotiated_and_commands_work_with_them()
    {
        await using var target = await TestTarget.StartAsync();
        using var initiator = target.Connect();
        var response = initiator.Login(TestTarget.Name, "HeaderDigest=CRC32C,None", "DataDigest=CRC32C,None");
        Assert.Equal(0, response.Header[36]);
        Assert.True(initiator.HeaderDigest && initiator.DataDigest);
        var data = Enumerable.Range(0, 8192).Select(i => (byte)i).ToArray();
        Assert.Equal(0, initiator.Command([0x2A, 0, 0, 0, 0, 8, 0, 0, 16, 0], dataOut: data, immediate: 4096).Status);
        var read = initiator.Command([0x28, 0, 0, 0, 0, 8, 0, 0, 16, 0], expectedLength: 8192);
        Assert.Equal(0, read.Status);
        Assert.Equal(data, read.Data);
    }

    [Fact]
    public async Task Chap_login_succeeds_with_the_right_secret()
    {
        await using var target = await TestTarget.StartAsync(new ChapCredentials { UserName = "alice", Secret = "correct horse battery" });
        using var initiator = target.Connect();
        var response = ChapLogin(initiator, "alice", "correct horse battery");
        Assert.Equal(0, response.Header[36]);
        Assert.Equal(0x80 | 3, response.Header[1] & 0x83);
    }

    [Fact]
    public async Task Chap_login_fails_with_a_wrong_secret_and_says_authentication_failure()
    {
        await using var target = await TestTarget.StartAsync(new ChapCredentials { UserName = "alice", Secret = "correct horse battery" });
        using var initiator = target.Connect();
        var response = ChapLogin(initiator, "alice", "wrong secret here");
        Assert.Equal(0x02, response.Header[36]);
        Assert.Equal(0x01, response.Header[37]);
        Assert.True(initiator.IsClosedByTarget());
    }

    [Fact]
    public async Task Skipping_authentication_when_chap_is_required_fails()
    {
        await using var target = await TestTarget.StartAsync(new ChapCredentials { UserName = "alice", Secret = "correct horse battery" });
        using var initiator = target.Connect();
        var response = initiator.LoginStep(1, 3, true, ["InitiatorName=iqn.2026-11.test:raw", $"TargetName={TestTarget.Name}"]);
        Assert.Equal(0x02, response.Header[36]);
        Assert.Equal(0x01, response.Header[37]);
    }

    [Fact]
    public async Task Mutual_chap_proves_the_target_knows_its_secret()
    {
        var chap = new ChapCredentials { UserName = "alice", Secret = "correct horse battery", MutualUserName = "target", MutualSecret = "target secret 123" };
        await using var target = await TestTarget.StartAsync(chap);
        using var initiator = target.Connect();
        var challenge = RandomNumberGenerator.GetBytes(16);
        var response = ChapLogin(initiator, "alice", "correct horse battery", mutualId: 77, mutualChallenge: challenge);
        Assert.Equal(0, response.Header[36]);
        var keys = Keys(response.Text);
        Assert.Equal("target", keys["CHAP_N"]);
        var expected = MD5Response(77, "target secret 123", challenge);
        Assert.Equal("0x" + Convert.ToHexString(expected).ToLowerInvariant(), keys["CHAP_R"]);
    }

    private static RawInitiator.Pdu ChapLogin(RawInitiator initiator, string user, string secret, byte? mutualId = null, byte[]? mutualChallenge = null)
    {
        var first = initiator.LoginStep(0, 1, false, [$"InitiatorName={initiator.InitiatorName}", $"TargetName={TestTarget.Name}", "AuthMethod=CHAP,None"]);
        Assert.Contains("AuthMethod=CHAP", first.Text, StringComparison.Ordinal);
        var challenge = Keys(initiator.LoginStep(0, 1, false, ["CHAP_A=5"]).Text);
        var id = byte.Parse(challenge["CHAP_I"], System.Globalization.CultureInfo.InvariantCulture);
        var c = Convert.FromHexString(challenge["CHAP_C"][2..]);
        var answer = new List<string> { $"CHAP_N={user}", "CHAP_R=0x" + Convert.ToHexString(MD5Response(id, secret, c)) };
        if (mutualId is byte mid)
        {
            answer.Add($"CHAP_I={mid}");
            answer.Add("CHAP_C=0x" + Convert.ToHexString(mutualChallenge!));
        }

        var final = initiator.LoginStep(0, 1, true, answer);
        if (final.Header[36] != 0)
        {
            return final;
        }

        var op = initiator.LoginStep(1, 3, true, ["MaxRecvDataSegmentLength=65536"]);
        return new RawInitiator.Pdu(op.Header, final.Data);
    }

    private static byte[] MD5Response(byte id, string secret, byte[] challenge)
    {
        var input = new byte[] { id }.Concat(Encoding.UTF8.GetBytes(secret)).Concat(challenge).ToArray();
#pragma warning disable CA5351 // CHAP is MD5 by definition (RFC 1994).
        return MD5.HashData(input);
#pragma warning restore CA5351
    }

    private static Dictionary<string, string> Keys(string text) =>
        text.Split('\0', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
}
