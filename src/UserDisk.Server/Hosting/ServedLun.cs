using UserDisk.Scsi;
using UserDisk.Server.Configuration;

namespace UserDisk.Server.Hosting;

/// <summary>A logical unit being served: where it is configured and the engine's unit over its open backstore.</summary>
public sealed class ServedLun
{
    public required TargetOptions Target { get; init; }

    public required LunOptions Options { get; init; }

    public required LogicalUnit Unit { get; init; }

    public long SizeBytes => Unit.BlockCount * Unit.BlockSize;

    public override string ToString() => $"{Target.Name} LUN {Options.Number} '{Options.Name}'";
}
