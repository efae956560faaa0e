using System.CommandLine;

namespace UserDisk.Server.Cli;

/// <summary>The <c>userdisk</c> command line (System.CommandLine 3).</summary>
public static class UserDiskCommandLine
{
    public static RootCommand Create(CliContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var root = new RootCommand("UserDisk: serves files, images and RAM as SCSI disks (SBC-4) to iSCSI and SCST initiators.");
        root.Subcommands.Add(CreateServe(context));
        root.Subcommands.Add(CreateInspect(context));
        root.Subcommands.Add(CreateAttachAgent(context));
        root.Subcommands.Add(CreateStatus(context));
        return root;
    }

    /// <summary>Parses and runs; command-line errors exit with <see cref="ExitCodes.Usage"/>.</summary>
    public static async Task<int> RunAsync(string[] args, CliContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        ParseResult parse = Create(context).Parse(args);
        var invocation = new InvocationConfiguration
        {
            Output = context.Out,
            Error = context.Error,

            // The generic host handles SIGTERM/SIGINT itself and shuts down within the configured timeout;
            // System.CommandLine's own handler would end the process after two seconds.
            ProcessTerminationTimeout = null,
        };
        int exitCode = await parse.InvokeAsync(invocation, cancellationToken).ConfigureAwait(false);
        return parse.Errors.Count > 0 ? ExitCodes.Usage : exitCode;
    }

    private static Command CreateAttachAgent(CliContext context)
    {
        var config = new Option<string?>("--config") { Description = "A JSON configuration file with section UserDisk:Agent (targets, groups, LUN rules).", HelpName = "FILE" };
        var agent = new Command("attach-agent", "Run on the SCST host: add the LUNs of every UserDisk device that registers, by policy (exit code 2: bad configuration).")
        {
            config,
        };
        agent.SetAction((parse, cancellationToken) => new Agent.AgentRunner(context).RunAsync(parse.GetValue(config), cancellationToken));
        return agent;
    }

    private static Command CreateStatus(CliContext context)
    {
        var url = new Option<string>("--url") { Description = "The attach agent's /status.", HelpName = "URL", DefaultValueFactory = _ => Agent.StatusRunner.DefaultUrl };
        var json = new Option<bool>("--json") { Description = "Print the agent's JSON as it is." };
        var status = new Command("status", "Show what the attach agent manages: devices, their state, LUN mappings, last errors.")
        {
            url,
            json,
        };
        status.SetAction((parse, cancellationToken) => new Agent.StatusRunner(context).RunAsync(new Uri(parse.GetValue(url)!), parse.GetValue(json), cancellationToken));
        return status;
    }

    private static Command CreateInspect(CliContext context)
    {
        var uri = new Argument<string>("backstore")
        {
            Description = "A backstore as configuration writes it: file:PATH, s3://BUCKET/KEY, squashfs:PATH or squashfs:s3://BUCKET/KEY, memory:SIZE, null:SIZE.",
        };
        var verify = new Option<bool>("--verify") { Description = "Read the whole content and print its sha256 (with progress on stderr)." };
        var config = new Option<string?>("--config") { Description = "A JSON configuration file; its UserDisk:S3 section says how to reach S3.", HelpName = "FILE" };
        var inspect = new Command("inspect", "Print what UserDisk would serve from a backstore: size, block size, read-only, identity, squashfs superblock, S3 ETag.")
        {
            uri,
            verify,
            config,
        };
        inspect.SetAction((parse, cancellationToken) => new InspectRunner(context).RunAsync(parse.GetValue(uri)!, parse.GetValue(config), parse.GetValue(verify), cancellationToken));
        return inspect;
    }

    private static Command CreateServe(CliContext context)
    {
        var config = new Option<string?>("--config")
        {
            Description = "A JSON configuration file, shaped like appsettings.json (section \"UserDisk\"). If it lists Targets, they replace the default file's.",
            HelpName = "FILE",
        };
        var frontend = new Option<string?>("--frontend")
        {
            Description = "Front end: auto (scst_user when /dev/scst_user exists, else iscsi), iscsi or scst. Default: UserDisk:Frontend, else auto.",
            HelpName = "auto|iscsi|scst",
        };
        frontend.AcceptOnlyFromAmong("auto", "iscsi", "scst");
        var portal = new Option<string?>("--portal")
        {
            Description = "Listen on ADDR:PORT for every target (overrides each target's Portal), e.g. 127.0.0.1:3260 or [::1]:3260.",
            HelpName = "ADDR:PORT",
        };
        var http = new Option<string?>("--http")
        {
            Description = "HTTP endpoint for /metrics, /healthz and /readyz. Default: UserDisk:Http, else 127.0.0.1:9090.",
            HelpName = "ADDR:PORT",
        };
        var dataDir = new Option<string?>("--data-dir")
        {
            Description = "Data directory; {DataDir} in a backstore string stands for it. Default: UserDisk:DataDir, else .data.",
            HelpName = "DIR",
        };

        var serve = new Command("serve", "Serve the configured targets and LUNs until SIGTERM or SIGINT (exit code 2: bad configuration, 1: could not start).")
        {
            config,
            frontend,
            portal,
            http,
            dataDir,
        };
        serve.SetAction((parse, cancellationToken) => new ServeRunner(context).RunAsync(
            new ServeArguments
            {
                ConfigFile = parse.GetValue(config),
                Frontend = parse.GetValue(frontend),
                Portal = parse.GetValue(portal),
                Http = parse.GetValue(http),
                DataDir = parse.GetValue(dataDir),
            },
            cancellationToken));
        return serve;
    }
}
