using System.Buffers;
using System.Buffers.Binary;
using Microsoft.Extensions.Logging;

namespace UserDisk.Iscsi;

/// <summary>Login phase (RFC 7143 6 and 11.12/11.13).</summary>
internal sealed partial class IscsiConnection
{
    private LoginNegotiator? _login;
    private ulong _loginIsid;
    private bool _sessionEnded;

    /// <summary>Handles one Login Request; returns false when the connection must close (login failed).</summary>
    private bool HandleLogin(ReadOnlySequence<byte> data)
    {
        var h = _header.AsSpan(0, Bhs.Length);
        var transit = (h[1] & 0x80) != 0;
        var cont = (h[1] & 0x40) != 0;
        var csg = (h[1] >> 2) & 0x3;
        var nsg = h[1] & 0x3;
        var versionMin = h[3];
        var isid = BinaryPrimitives.ReadUInt64BigEndian(h[8..]) >> 16;
        var tsih = BinaryPrimitives.ReadUInt16BigEndian(h[14..]);
        var itt = Bhs.InitiatorTaskTag(h);
        var cmdSn = Bhs.UInt32(h, 24);
        var expStatSn = Bhs.UInt32(h, 28);
        var first = _login is null;
        if (first)
        {
            _login = new LoginNegotiator(_server.Targets);
            _loginIsid = isid;
            _loginCmdSn = cmdSn;
            _statSn = expStatSn;
        }

        var login = _login!;
        var response = new List<byte>();
        LoginStatus status;
        var nextStage = -1;
        if (versionMin != 0)
        {
            status = LoginStatus.UnsupportedVersion;
        }
        else if (cont)
        {
            // Text split over several Login PDUs is legal but no initiator we serve needs it; refusing is safe.
            status = LoginStatus.InitiatorError;
        }
        else if (tsih != 0)
        {
            // MaxConnections=1 and ErrorRecoveryLevel=0: no connection can join or reinstate an existing session.
            status = LoginStatus.SessionDoesNotExist;
        }
        else if (!first && isid != _loginIsid)
        {
            status = LoginStatus.InitiatorError;
        }
        else
        {
            var pairs = new List<KeyValuePair<string, string>>();
            var bytes = data.ToArray();
            status = TextParameters.TryParse(bytes, pairs, out var textError)
                ? login.Step(csg, nsg, transit, first, pairs, response, out nextStage)
                : LoginStatus.InitiatorError;
            if (textError is not null)
            {
                LogLoginFailed(_logger, Remote, textError);
            }
        }

        if (!status.IsSuccess)
        {
            var reason = login.FailureReason ?? "malformed login";
            LogLoginFailed(_logger, Remote, reason);
            Metrics.Login(status == LoginStatus.AuthenticationFailure ? "auth_failed" : status == LoginStatus.NotFound ? "target_not_found" : "error");
            SendLoginResponse(itt, isid, 0, transit: false, csg, nsg: 0, status, []);
            return false;
        }

        var transitOk = nextStage >= 0;
        ushort newTsih = 0;
        if (transitOk && nextStage == LoginNegotiator.FullFeatureStage)
        {
            newTsih = _server.AllocateTsih();
        }

        SendLoginResponse(itt, isid, newTsih, transitOk, csg, transitOk ? nextStage : 0, status, response.ToArray());
        if (newTsih != 0)
        {
            EnterFullFeaturePhase(login, isid, newTsih, cmdSn);
        }

        return true;
    }

    private void EnterFullFeaturePhase(LoginNegotiator login, ulong isid, ushort tsih, uint cmdSn)
    {
        var target = login.Target;
        var nexus = target is null ? null : _server.NexusFor(login.InitiatorName!, isid, target);
        var session = new IscsiSession(login.InitiatorName!, isid, tsih, target, nexus, cmdSn);
        Parameters = login.Parameters;

        // Digests start with the first PDU after the final Login Response (RFC 7143 13.1).
        lock (_sendLock)
        {
            _headerDigest = Parameters.HeaderDigest;
            _dataDigest = Parameters.DataDigest;
        }

        Session = session;
        _login = null;
        _server.RegisterSession(this);
        Metrics.SessionOpened();
        Metrics.Login("success");
        LogLoggedIn(_logger, Remote, session.InitiatorName, target?.Name ?? "(discovery)", Parameters.HeaderDigest, Parameters.DataDigest);
    }

    private void EndSession()
    {
        if (Session is null || _sessionEnded)
        {
            return;
        }

        _sessionEnded = true;
        if (_server.UnregisterSession(this) && Session.Nexus is { } nexus)
        {
            // I_T nexus loss: the units drop its SPC-2 reservation, PREVENT and pending unit attentions.
            foreach (var unit in Session.Target!.Units)
            {
                unit.RemoveNexus(nexus);
            }
        }

        Metrics.SessionClosed();
    }

    private void SendLoginResponse(uint itt, ulong isid, ushort tsih, bool transit, int csg, int nsg, LoginStatus status, ReadOnlySpan<byte> keys)
    {
        lock (_sendLock)
        {
            var flags = (byte)((transit ? 0x80 : 0) | (csg << 2) | (transit ? nsg : 0));
            var header = BeginPdu(IscsiOpcode.LoginResponse, flags, itt);
            BinaryPrimitives.WriteUInt64BigEndian(header[8..], isid << 16);
            BinaryPrimitives.WriteUInt16BigEndian(header[14..], tsih);
            header[36] = status.Class;
            header[37] = status.Detail;
            EndPdu(header, keys, advancesStatSn: true);
            Flush();
        }
    }

    internal SessionParameters Parameters { get; private set; } = new();

    [LoggerMessage(Level = LogLevel.Warning, Message = "iSCSI login from {Remote} failed: {Reason}")]
    private static partial void LogLoginFailed(ILogger logger, string remote, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "iSCSI login from {Remote}: {Initiator} to {Target} (header digest {HeaderDigest}, data digest {DataDigest})")]
    private static partial void LogLoggedIn(ILogger logger, string remote, string initiator, string target, bool headerDigest, bool dataDigest);
}
