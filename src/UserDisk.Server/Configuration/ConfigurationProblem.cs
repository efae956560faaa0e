namespace UserDisk.Server.Configuration;

/// <summary>
/// Something wrong with one setting: <see cref="Key"/> is the full configuration key as an operator would write
/// it in JSON or after <c>USERDISK__</c> (e.g. <c>UserDisk:Targets:0:Luns:1:Backstore</c>), or a command-line flag.
/// Messages never contain secrets.
/// </summary>
public sealed record ConfigurationProblem(string Key, string Message, ProblemSeverity Severity = ProblemSeverity.Error)
{
    public override string ToString() => $"{Key}: {Message}";
}
