using System.Runtime.CompilerServices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using UserDisk.Platform;
using UserDisk.Platform.Attach;
using UserDisk.Platform.Sysfs;
using UserDisk.Scst;
using UserDisk.Scst.Interop;

namespace UserDisk.Server.Agent;

/// <summary>Runs the <see cref="AttachAgent"/> for the host: sysfs, the event sources, the rescan.</summary>
public sealed partial class AgentService(AgentOptions options, ILoggerFactory loggerFactory) : BackgroundService
{
    private ScstEventReader? _reader;

    public AttachManager Manager { get; } = new(
        new ScstSysfs(new RealSysfsFiles(options.SysfsRoot), logger: loggerFactory.CreateLogger<ScstSysfs>()),
        options.Policy(),
        new AttachManagerOptions
        {
            StateFilePath = options.StateFile,
            ConfigSnapshotPath = string.IsNullOrEmpty(options.ConfigSnapshot) ? null : options.ConfigSnapshot,
        },
        loggerFactory.CreateLogger<AttachManager>());

    public AttachAgent? Agent { get; private set; }

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        var sources = new List<IAsyncEnumerable<string>>();
        if (!string.IsNullOrEmpty(options.EventDevice))
        {
            var calls = options.Emulator is null ? ScstDeviceCalls.Kernel : ScstDeviceCalls.Emulator(options.Emulator);
            _reader = new ScstEventReader(calls, loggerFactory.CreateLogger<ScstEventReader>(), options.EventDevice);
            _reader.Open();
            sources.Add(Names(_reader, CancellationToken.None));
        }

        if (options.EventsUrl is not null)
        {
            sources.Add(new UserDiskEventSource(options.EventsUrl, loggerFactory.CreateLogger<UserDiskEventSource>()).ReadAsync(CancellationToken.None));
        }

        Agent = new AttachAgent(Manager, sources, TimeSpan.FromSeconds(options.RescanSeconds), loggerFactory.CreateLogger<AttachAgent>());
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public override void Dispose()
    {
        _reader?.Dispose();
        Manager.Dispose();
        base.Dispose();
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Agent!.RunAsync(stoppingToken);

    private static async IAsyncEnumerable<string> Names(ScstEventReader reader, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var registration in reader.Registrations.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return registration.DeviceName;
        }
    }
}
