namespace UserDisk.Server.Configuration;

/// <summary>What <see cref="UserDiskOptionsReader"/> made of the configuration: the options when there were no
/// errors, and every problem found (errors and warnings).</summary>
public sealed record OptionsReadResult(UserDiskOptions? Options, IReadOnlyList<ConfigurationProblem> Problems)
{
    public IEnumerable<ConfigurationProblem> Errors => Problems.Where(p => p.Severity == ProblemSeverity.Error);

    public IEnumerable<ConfigurationProblem> Warnings => Problems.Where(p => p.Severity == ProblemSeverity.Warning);

    public bool Succeeded => Options is not null;
}
