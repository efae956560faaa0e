namespace UserDisk.Server.Configuration;

/// <summary>
/// CHAP settings of a target (RFC 7143 12.1.3), with the secrets already resolved from <c>Secret</c> or
/// <c>SecretFile</c>. <see cref="ToString"/> never shows a secret.
/// </summary>
public sealed class ChapOptions
{
    public required string UserName { get; init; }

    public required string Secret { get; init; }

    public string? MutualUserName { get; init; }

    public string? MutualSecret { get; init; }

    public override string ToString() =>
        MutualUserName is null
            ? $"CHAP user '{UserName}' (secret hidden)"
            : $"CHAP user '{UserName}', mutual user '{MutualUserName}' (secrets hidden)";
}
