using System.Buffers.Binary;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using UserDisk.Scsi;
using UserDisk.Server.Configuration;
using UserDisk.Server.Hosting;
using UserDisk.Server.Metrics;
using UserDisk.Storage;

namespace UserDisk.Server.Tests;

/// <summary>A persistent reservation registered with APTPL survives a restart of the host (state in the data directory).</summary>
public sealed class ReservationPersistenceTests : IDisposable
{
    private const ulong Key = 0x0123_4567_89AB_CDEF;
    private readonly TempDirectory _data = new();
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();

    public void Dispose()
    {
        _services.Dispose();
        _data.Dispose();
    }

    [Fact]
    public async Task Aptpl_registration_is_kept_in_the_data_directory_across_a_restart()
    {
        var nexus = new ItNexus("iqn.2026-11.test:host,i,0x1", "iqn.2026-11.io.userdisk:pr,t,0x1");
        var (service, catalog) = Create();
        await service.StartAsync(TestContext.Current.CancellationToken);
        var unit = catalog.Luns[0].Unit;

        // PERSISTENT RESERVE OUT, REGISTER AND IGNORE EXISTING KEY with APTPL=1 (SPC-5 6.16).
        var parameters = new byte[24];
        BinaryPrimitives.WriteUInt64BigEndian(parameters.AsSpan(8), Key);
        parameters[20] = 0x01;
        Assert.Equal(ScsiStatus.Good, await Run(unit, nexus, [0x5F, 0x06, 0, 0, 0, 0, 0, 0, 24, 0], parameters, 24));
        await service.StopAsync(TestContext.Current.CancellationToken);

        Assert.NotEmpty(Directory.GetFiles(Path.Combine(_data.Path, "reservations")));

        var (again, catalogAgain) = Create();
        await again.StartAsync(TestContext.Current.CancellationToken);
        var keys = new byte[64];
        Assert.Equal(ScsiStatus.Good, await Run(catalogAgain.Luns[0].Unit, nexus, [0x5E, 0x00, 0, 0, 0, 0, 0, 0, 64, 0], keys, 64));
        await again.StopAsync(TestContext.Current.CancellationToken);

        // READ KEYS: ADDITIONAL LENGTH 8, then the key registered before the restart.
        Assert.Equal(8u, BinaryPrimitives.ReadUInt32BigEndian(keys.AsSpan(4)));
        Assert.Equal(Key, BinaryPrimitives.ReadUInt64BigEndian(keys.AsSpan(8)));
    }

    private (LogicalUnitService Service, LunCatalog Catalog) Create()
    {
        var lun = new LunOptions
        {
            Number = 0,
            Name = "disk",
            Backstore = "file:{DataDir}/disk.img?size=1M&create",
            BackstoreUri = BackstoreUri.Parse($"file:{_data.Path}/disk.img?size=1M&create"),
        };
        var options = new UserDiskOptions
        {
            DataDir = _data.Path,
            Targets = [new TargetOptions { Name = "iqn.2026-11.io.userdisk:pr", Portal = UserDiskOptions.DefaultPortal, Luns = [lun] }],
        };
        var catalog = new LunCatalog();
        var metrics = new LunMetrics(_services.GetRequiredService<IMeterFactory>(), catalog);
        return (new LogicalUnitService(options, catalog, new Readiness(), metrics, new Events.EventHub(options, NullLogger<Events.EventHub>.Instance), NullLoggerFactory.Instance), catalog);
    }

    private static async Task<ScsiStatus> Run(LogicalUnit unit, ItNexus nexus, byte[] cdb, byte[] data, int expected)
    {
        var command = new ScsiCommand { Nexus = nexus, Data = data, ExpectedTransferLength = expected };
        command.SetCdb(cdb);
        await unit.ExecuteAsync(command);
        if (command.Status == ScsiStatus.CheckCondition && SenseData.Parse(command.Sense).Key == SenseKey.UnitAttention)
        {
            await unit.ExecuteAsync(command);
        }

        return command.Status;
    }
}
