using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace UserDisk.Iscsi;

/// <summary>
/// One login's negotiation (RFC 7143 6 and 13): security stage (AuthMethod None or CHAP, one-way or mutual), then
/// operational parameters, then the move to full feature phase. It keeps the state between Login PDUs and answers
/// each with the keys to send back.
/// </summary>
internal sealed class LoginNegotiator
{
    public const int SecurityStage = 0;
    public const int OperationalStage = 1;
    public const int FullFeatureStage = 3;

    private readonly TargetDirectory _targets;
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private bool _authenticated;
    private bool _chapChosen;
    private byte _chapIdentifier;
    private byte[]? _chapChallenge;
    private bool _declaredOurs;

    // The keys of the request being handled: CHAP_R is checked together with CHAP_N, CHAP_I and CHAP_C.
    private IReadOnlyList<KeyValuePair<string, string>>? _currentKeys;

    public LoginNegotiator(TargetDirectory targets)
    {
        _targets = targets;
    }

    public SessionParameters Parameters { get; } = new();

    public string? InitiatorName { get; private set; }

    public string? InitiatorAlias { get; private set; }

    public bool IsDiscovery { get; private set; }

    public IscsiTarget? Target { get; private set; }

    /// <summary>The stage the next request must be in.</summary>
    public int CurrentStage { get; private set; } = -1;

    /// <summary>A short, secret-free reason for the last failure, for logs and metrics.</summary>
    public string? FailureReason { get; private set; }

    /// <summary>
    /// Handles one Login Request's keys. Returns the status; on success <paramref name="response"/> holds the keys
    /// to send and <paramref name="nextStage"/> the stage the target moves to (-1: stay).
    /// </summary>
    public LoginStatus Step(int csg, int nsg, bool transit, bool first, IReadOnlyList<KeyValuePair<string, string>> keys, List<byte> response, out int nextStage)
    {
        nextStage = -1;
        _currentKeys = keys;
        if (first)
        {
            var status = ReadLeadingKeys(keys);
            if (!status.IsSuccess)
            {
                return status;
            }

            CurrentStage = csg;
        }

        if (csg != CurrentStage || csg is not (SecurityStage or OperationalStage) || (transit && nsg <= csg) || (transit && nsg == 2))
        {
            return Fail(LoginStatus.InitiatorError, $"bad stage transition {csg}->{nsg}");
        }

        var needsAuth = !IsDiscovery && Target?.Chap is not null;
        if (csg == OperationalStage && needsAuth && !_authenticated)
        {
            return Fail(LoginStatus.AuthenticationFailure, "CHAP is required but the initiator skipped the security stage");
        }

        // MaxBurstLength is settled before FirstBurstLength (which must not exceed it, RFC 7143 13.14), whatever
        // order the initiator sent them in, so the FirstBurstLength we answer is the one we use.
        foreach (var (key, value) in keys.OrderBy(k => k.Key == "FirstBurstLength" ? 1 : 0))
        {
            if (!_seen.Add(key) && key is not ("CHAP_A" or "CHAP_N" or "CHAP_R" or "CHAP_I" or "CHAP_C" or "AuthMethod"))
            {
                // RFC 7143 6.2: a key may be negotiated once per login.
                return Fail(LoginStatus.InitiatorError, $"key {key} sent twice");
            }

            var status = csg == SecurityStage
                ? SecurityKey(key, value, needsAuth, response)
                : OperationalKey(key, value, response);
            if (!status.IsSuccess)
            {
                return status;
            }
        }

        if (csg == SecurityStage && transit)
        {
            if (needsAuth && !_authenticated)
            {
                if (_chapChallenge is null && !_chapChosen)
                {
                    return Fail(LoginStatus.AuthenticationFailure, "CHAP required but not negotiated");
                }

                // Still exchanging CHAP: answer without transit.
                return LoginStatus.Success;
            }

            _authenticated = true;
        }

        if (csg == OperationalStage && !_declaredOurs)
        {
            DeclareTargetValues(response);
        }

        if (transit)
        {
            if (nsg == FullFeatureStage && !_declaredOurs)
            {
                DeclareTargetValues(response);
            }

            CurrentStage = nsg;
            nextStage = nsg;
        }

        return LoginStatus.Success;
    }

    private LoginStatus ReadLeadingKeys(IReadOnlyList<KeyValuePair<string, string>> keys)
    {
        string? targetName = null;
        var sessionType = "Normal";
        foreach (var (key, value) in keys)
        {
            switch (key)
            {
                case "InitiatorName":
                    InitiatorName = value;
                    break;
                case "TargetName":
                    targetName = value;
                    break;
                case "SessionType":
                    sessionType = value;
                    break;
                case "InitiatorAlias":
                    InitiatorAlias = value;
                    break;
            }
        }

        if (string.IsNullOrEmpty(InitiatorName))
        {
            return Fail(LoginStatus.MissingParameter, "no InitiatorName");
        }

        if (sessionType is not ("Normal" or "Discovery"))
        {
            return Fail(LoginStatus.InitiatorError, $"unknown SessionType {sessionType}");
        }

        IsDiscovery = sessionType == "Discovery";
        if (!IsDiscovery)
        {
            if (string.IsNullOrEmpty(targetName))
            {
                return Fail(LoginStatus.MissingParameter, "no TargetName in a normal session");
            }

            Target = _targets.Find(targetName);
            if (Target is null)
            {
                return Fail(LoginStatus.NotFound, $"no target {targetName}");
            }
        }

        return LoginStatus.Success;
    }

    private LoginStatus SecurityKey(string key, string value, bool needsAuth, List<byte> response)
    {
        switch (key)
        {
            case "InitiatorName" or "TargetName" or "SessionType" or "InitiatorAlias":
                return LoginStatus.Success;
            case "AuthMethod":
                var offered = value.Split(',');
                if (needsAuth)
                {
                    if (!offered.Contains("CHAP"))
                    {
                        TextParameters.Append(response, key, "Reject");
                        return Fail(LoginStatus.AuthenticationFailure, "initiator does not offer CHAP");
                    }

                    _chapChosen = true;
                    TextParameters.Append(response, key, "CHAP");
                    return LoginStatus.Success;
                }

                if (!offered.Contains("None"))
                {
                    TextParameters.Append(response, key, "Reject");
                    return Fail(LoginStatus.AuthenticationFailure, "initiator does not offer AuthMethod=None");
                }

                TextParameters.Append(response, key, "None");
                return LoginStatus.Success;
            case "CHAP_A" when _chapChosen:
                if (!value.Split(',').Contains(Chap.Md5Algorithm))
                {
                    TextParameters.Append(response, key, "Reject");
                    return Fail(LoginStatus.AuthenticationFailure, "CHAP without MD5");
                }

                _chapIdentifier = (byte)RandomNumberGenerator.GetInt32(256);
                _chapChallenge = RandomNumberGenerator.GetBytes(Chap.ChallengeLength);
                TextParameters.Append(response, "CHAP_A", Chap.Md5Algorithm);
                TextParameters.Append(response, "CHAP_I", _chapIdentifier.ToString(CultureInfo.InvariantCulture));
                TextParameters.Append(response, "CHAP_C", Chap.Encode(_chapChallenge));
                return LoginStatus.Success;
            case "CHAP_N":
                return LoginStatus.Success;
            case "CHAP_R" when _chapChallenge is not null:
                return VerifyChap(value, response);
            case "CHAP_I" or "CHAP_C":
                // Consumed with CHAP_R (mutual CHAP).
                return LoginStatus.Success;
            default:
                if (key.StartsWith("CHAP_", StringComparison.Ordinal))
                {
                    return Fail(LoginStatus.AuthenticationFailure, $"unexpected {key}");
                }

                // Operational keys may come in the security stage too (RFC 7143 6.3).
                return OperationalKey(key, value, response);
        }
    }

    private string? Current(string key)
    {
        if (_currentKeys is null)
        {
            return null;
        }

        foreach (var (k, v) in _currentKeys)
        {
            if (k == key)
            {
                return v;
            }
        }

        return null;
    }

    private LoginStatus VerifyChap(string responseText, List<byte> response)
    {
        var chap = Target!.Chap!;
        var name = Current("CHAP_N");
        if (name != chap.UserName || !Chap.TryDecode(responseText, out var received))
        {
            return Fail(LoginStatus.AuthenticationFailure, "CHAP name or response malformed or unknown");
        }

        var expected = Chap.Response(_chapIdentifier, Encoding.UTF8.GetBytes(chap.Secret), _chapChallenge);
        if (!CryptographicOperations.FixedTimeEquals(expected, received))
        {
            return Fail(LoginStatus.AuthenticationFailure, "CHAP response does not match");
        }

        var mutualIdentifier = Current("CHAP_I");
        var mutualChallenge = Current("CHAP_C");
        if (mutualIdentifier is not null || mutualChallenge is not null)
        {
            if (chap.MutualUserName is null || chap.MutualSecret is null)
            {
                return Fail(LoginStatus.AuthenticationFailure, "initiator asked for mutual CHAP, which is not configured");
            }

            if (mutualIdentifier is null || mutualChallenge is null
                || !Chap.TryParseIdentifier(mutualIdentifier, out var id) || !Chap.TryDecode(mutualChallenge, out var challenge))
            {
                return Fail(LoginStatus.AuthenticationFailure, "malformed mutual CHAP challenge");
            }

            if (challenge.AsSpan().SequenceEqual(_chapChallenge))
            {
                // RFC 7143 12.1.3: a reflected challenge is an attack.
                return Fail(LoginStatus.AuthenticationFailure, "mutual CHAP challenge reflects ours");
            }

            TextParameters.Append(response, "CHAP_N", chap.MutualUserName);
            TextParameters.Append(response, "CHAP_R", Chap.Encode(Chap.Response(id, Encoding.UTF8.GetBytes(chap.MutualSecret), challenge)));
        }
        else if (chap.MutualUserName is not null)
        {
            return Fail(LoginStatus.AuthenticationFailure, "mutual CHAP is required but the initiator did not challenge");
        }

        _authenticated = true;
        _chapChallenge = null;
        return LoginStatus.Success;
    }

    private LoginStatus OperationalKey(string key, string value, List<byte> response)
    {
        var p = Parameters;
        switch (key)
        {
            case "InitiatorName" or "TargetName" or "SessionType" or "InitiatorAlias":
                return LoginStatus.Success;
            case "HeaderDigest" or "DataDigest":
                var choice = value.Split(',').FirstOrDefault(v => v is "CRC32C" or "None");
                if (choice is null)
                {
                    TextParameters.Append(response, key, "Reject");
                    return LoginStatus.Success;
                }

                if (key == "HeaderDigest")
                {
                    p.HeaderDigest = choice == "CRC32C";
                }
                else
                {
                    p.DataDigest = choice == "CRC32C";
                }

                TextParameters.Append(response, key, choice);
                return LoginStatus.Success;
            case "MaxConnections":
                return Numeric(key, value, 1, 65535, v => 1, response);
            case "InitialR2T":
                // OR-function: the result is Yes if either side says Yes; we would take No.
                return Boolean(key, value, v => p.InitialR2T = v, v => v, response);
            case "ImmediateData":
                // AND-function: we take Yes, so the initiator's value decides.
                return Boolean(key, value, v => p.ImmediateData = v, v => v, response);
            case "DataPDUInOrder" or "DataSequenceInOrder":
                // OR-function, and we need in-order data: Yes.
                return Boolean(key, value, _ => { }, _ => true, response);
            case "MaxRecvDataSegmentLength":
                // Declarative: the most the initiator will take in one PDU from us.
                if (!TryNumber(value, 512, 16_777_215, out var mrdsl))
                {
                    TextParameters.Append(response, key, "Reject");
                    return LoginStatus.Success;
                }

                p.InitiatorMaxRecvDataSegmentLength = (int)mrdsl;
                return LoginStatus.Success;
            case "MaxBurstLength":
                return Numeric(key, value, 512, 16_777_215, v => p.MaxBurstLength = (int)Math.Min(v, SessionParameters.TargetMaxBurstLength), response);
            case "FirstBurstLength":
                return Numeric(key, value, 512, 16_777_215, v => p.FirstBurstLength = (int)Math.Min(Math.Min(v, SessionParameters.TargetFirstBurstLength), p.MaxBurstLength), response);
            case "DefaultTime2Wait":
                return Numeric(key, value, 0, 3600, v => p.DefaultTime2Wait = (int)Math.Max(v, 2), response);
            case "DefaultTime2Retain":
                return Numeric(key, value, 0, 3600, v => p.DefaultTime2Retain = 0, response);
            case "MaxOutstandingR2T":
                return Numeric(key, value, 1, 65535, v => p.MaxOutstandingR2T = 1, response);
            case "ErrorRecoveryLevel":
                return Numeric(key, value, 0, 2, v => 0, response);
            case "IFMarker" or "OFMarker":
                TextParameters.Append(response, key, "No");
                return LoginStatus.Success;
            case "IFMarkInt" or "OFMarkInt" or "TargetAlias" or "TargetAddress" or "TargetPortalGroupTag" or "SendTargets":
                TextParameters.Append(response, key, "Irrelevant");
                return LoginStatus.Success;
            default:
                // RFC 7143 6.2: keys we do not know (including X- extensions) are answered NotUnderstood.
                TextParameters.Append(response, key, "NotUnderstood");
                return LoginStatus.Success;
        }
    }

    private void DeclareTargetValues(List<byte> response)
    {
        _declaredOurs = true;
        TextParameters.Append(response, "MaxRecvDataSegmentLength", SessionParameters.TargetMaxRecvDataSegmentLength.ToString(CultureInfo.InvariantCulture));
        if (!IsDiscovery)
        {
            if (Target!.Alias is { Length: > 0 } alias)
            {
                TextParameters.Append(response, "TargetAlias", alias);
            }

            // RFC 7143 13.9: returned in the first login response of a normal session... and harmless later.
            TextParameters.Append(response, "TargetPortalGroupTag", Target.PortalGroupTag.ToString(CultureInfo.InvariantCulture));
        }

        if (Parameters.FirstBurstLength > Parameters.MaxBurstLength)
        {
            Parameters.FirstBurstLength = Parameters.MaxBurstLength;
        }
    }

    private static LoginStatus Numeric(string key, string value, long min, long max, Func<long, long> apply, List<byte> response)
    {
        if (!TryNumber(value, min, max, out var n))
        {
            TextParameters.Append(response, key, "Reject");
            return LoginStatus.Success;
        }

        TextParameters.Append(response, key, apply(n).ToString(CultureInfo.InvariantCulture));
        return LoginStatus.Success;
    }

    private static LoginStatus Boolean(string key, string value, Action<bool> apply, Func<bool, bool> result, List<byte> response)
    {
        if (value is not ("Yes" or "No"))
        {
            TextParameters.Append(response, key, "Reject");
            return LoginStatus.Success;
        }

        var v = result(value == "Yes");
        apply(v);
        TextParameters.Append(response, key, v ? "Yes" : "No");
        return LoginStatus.Success;
    }

    private static bool TryNumber(string value, long min, long max, out long n) =>
        long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out n) && n >= min && n <= max;

    private LoginStatus Fail(LoginStatus status, string reason)
    {
        FailureReason = reason;
        return status;
    }
}
