namespace UserDisk.Iscsi;

/// <summary>
/// CHAP secrets (RFC 7143 12.1.3). The initiator authenticates with <see cref="UserName"/>/<see cref="Secret"/>;
/// with <see cref="MutualUserName"/>/<see cref="MutualSecret"/> set the target authenticates itself too.
/// Secrets are never logged.
/// </summary>
public sealed class ChapCredentials
{
    public required string UserName { get; init; }

    public required string Secret { get; init; }

    public string? MutualUserName { get; init; }

    public string? MutualSecret { get; init; }

    public override string ToString() => $"CHAP user {UserName}{(MutualUserName is null ? string.Empty : $", mutual {MutualUserName}")}";
}
