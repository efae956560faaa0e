using UserDisk.Platform.Sysfs;

namespace UserDisk.Platform.Attach;

/// <summary>One LUN table: a target's default one, or a security group's.</summary>
internal readonly record struct LunTable(string Driver, string Target, string? Group)
{
    public override string ToString() => ScstSysfs.LunTablePath(Driver, Target, Group);
}
