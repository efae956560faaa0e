using System.Reflection;
using Xunit.Sdk;
using Xunit.v3;

namespace UserDisk.Scsi.Tests;

/// <summary>
/// Like InlineData, but runs the row twice: once with fixed-format sense (70h) and once with descriptor-format
/// sense (72h). The test method's last parameter is <c>bool descriptorSense</c> (the Control mode page D_SENSE
/// bit the unit starts with, through <see cref="LogicalUnitOptions.DescriptorSense"/>).
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class SenseFormatsAttribute : DataAttribute
{
    public SenseFormatsAttribute(params object?[] data) => Data = data;

    public IReadOnlyList<object?> Data { get; }

    public override ValueTask<IReadOnlyCollection<ITheoryDataRow>> GetData(MethodInfo testMethod, DisposalTracker disposalTracker)
    {
        ITheoryDataRow[] rows = [new TheoryDataRow([.. Data, false]), new TheoryDataRow([.. Data, true])];
        return new ValueTask<IReadOnlyCollection<ITheoryDataRow>>(rows);
    }

    public override bool SupportsDiscoveryEnumeration() => true;
}
