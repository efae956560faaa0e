using System.Globalization;
using UserDisk.Platform.Sysfs;

namespace UserDisk.Platform.Attach;

/// <summary>
/// What the attach agent does: which targets to enable, which security groups to create, and where each user
/// device is exported (<see cref="Rules"/>, the first matching rule wins).
/// </summary>
public sealed record AttachPolicy
{
    public IReadOnlyList<AttachRule> Rules { get; init; } = [];

    public IReadOnlyList<AttachTarget> Targets { get; init; } = [];

    public IReadOnlyList<AttachGroup> Groups { get; init; } = [];

    /// <summary>The first rule whose pattern matches <paramref name="device"/>, or null.</summary>
    public AttachRule? Match(string device) => Rules.FirstOrDefault(r => r.Matches(device));

    /// <summary>Every problem, each naming its item, e.g. <c>Rules[1].Lun: 'x' is not auto or 0..16383</c>.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        for (int i = 0; i < Rules.Count; i++)
        {
            string item = $"Rules[{i}]";
            AttachRule? rule = Rules[i];
            if (rule is null)
            {
                errors.Add($"{item}: missing");
                continue;
            }

            if (string.IsNullOrWhiteSpace(rule.DevicePattern))
            {
                errors.Add($"{item}.DevicePattern: empty");
            }
            else if (rule.DevicePattern.Any(char.IsWhiteSpace))
            {
                errors.Add($"{item}.DevicePattern: '{rule.DevicePattern}' contains whitespace, which no device name has");
            }

            CheckName(errors, $"{item}.Driver", rule.Driver);
            CheckName(errors, $"{item}.Target", rule.Target);
            if (rule.Group is not null)
            {
                CheckName(errors, $"{item}.Group", rule.Group);
            }

            if (rule.Lun is null || (!rule.IsAutoLun && rule.FixedLun is null))
            {
                errors.Add(string.Create(CultureInfo.InvariantCulture, $"{item}.Lun: '{rule.Lun}' is not auto or 0..{ScstSysfs.MaxLun}"));
            }
        }

        for (int i = 0; i < Targets.Count; i++)
        {
            string item = $"Targets[{i}]";
            if (Targets[i] is not { } target)
            {
                errors.Add($"{item}: missing");
                continue;
            }

            CheckName(errors, $"{item}.Driver", target.Driver);
            CheckName(errors, $"{item}.Target", target.Target);
        }

        for (int i = 0; i < Groups.Count; i++)
        {
            string item = $"Groups[{i}]";
            if (Groups[i] is not { } group)
            {
                errors.Add($"{item}: missing");
                continue;
            }

            CheckName(errors, $"{item}.Driver", group.Driver);
            CheckName(errors, $"{item}.Target", group.Target);
            CheckName(errors, $"{item}.Group", group.Group);
            for (int j = 0; j < group.Initiators.Count; j++)
            {
                string initiator = group.Initiators[j];
                if (string.IsNullOrWhiteSpace(initiator))
                {
                    errors.Add($"{item}.Initiators[{j}]: empty");
                }
                else if (initiator.Any(char.IsWhiteSpace))
                {
                    errors.Add($"{item}.Initiators[{j}]: '{initiator}' contains whitespace (SCST splits commands at whitespace)");
                }
            }
        }

        return errors;
    }

    /// <summary>Names become sysfs path segments and command tokens (§10): non-empty, no '/', no whitespace.</summary>
    private static void CheckName(List<string> errors, string item, string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            errors.Add($"{item}: empty");
        }
        else if (name.Any(char.IsWhiteSpace) || name.Contains('/', StringComparison.Ordinal) || name is "." or "..")
        {
            errors.Add($"{item}: '{name}' is not a valid SCST name (no '/', no whitespace)");
        }
    }
}
