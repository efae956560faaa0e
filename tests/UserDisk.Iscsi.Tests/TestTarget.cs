using System.Net;
using UserDisk.Scsi;
using UserDisk.Storage;

namespace UserDisk.Iscsi.Tests;

/// <summary>An embedded target on 127.0.0.1 with an ephemeral port and memory LUNs.</summary>
internal sealed class TestTarget : IAsyncDisposable
{
    public const string Name = "iqn.2026-11.io.userdisk.test:disk";

    private TestTarget(IscsiServer server, LogicalUnit[] units)
    {
        Server = server;
        Units = units;
    }

    public IscsiServer Server { get; }

    public LogicalUnit[] Units { get; }

    public IPEndPoint Endpoint => Server.LocalEndpoints[0];

    public static async Task<TestTarget> StartAsync(ChapCredentials? chap = null, IscsiServerOptions? options = null, int luns = 2, bool powerOnUnitAttention = false)
    {
        var units = Enumerable.Range(0, luns)
            .Select(i => new LogicalUnit(new MemoryBackstore($"lun{i}", 16L << 20), new LogicalUnitOptions { ReadOnly = i == 1, TransportVersionDescriptor = 0x0960, PowerOnUnitAttention = powerOnUnitAttention }))
            .ToArray();
        var target = new IscsiTargetOptions
        {
            Name = Name,
            Portal = new IPEndPoint(IPAddress.Loopback, 0),
            Luns = [.. units.Select((u, i) => new IscsiLun((ulong)i, u))],
            Chap = chap,
        };
        var server = new IscsiServer([target], null, options);
        await server.StartAsync();
        return new TestTarget(server, units);
    }

    public RawInitiator Connect(string initiatorName = "iqn.2026-11.test:raw", ulong isid = 0x23D0_0000_0001) =>
        new(Endpoint) { InitiatorName = initiatorName, Isid = isid };

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        foreach (var unit in Units)
        {
            unit.Backstore.Dispose();
        }
    }
}
