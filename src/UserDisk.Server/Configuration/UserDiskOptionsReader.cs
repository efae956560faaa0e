using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Extensions.Configuration;
using UserDisk.Storage;

namespace UserDisk.Server.Configuration;

/// <summary>
/// Reads section <c>UserDisk</c> into <see cref="UserDiskOptions"/>, checking every setting and collecting every
/// problem (not only the first), each under its full key, e.g. <c>UserDisk:Targets:0:Luns:1:Backstore</c>.
/// Unknown keys are errors too, so that a misspelt setting does not silently fall back to a default.
/// </summary>
/// <remarks>The configuration binder stops at the first conversion error and names no key, hence a reader.</remarks>
public sealed class UserDiskOptionsReader
{
    /// <summary>SAM-5 single-level flat addressing (the LUN form iSCSI initiators use) reaches LUN 16383.</summary>
    public const ulong MaxLun = 16383;

    /// <summary>RFC 7143 12.1.3: a CHAP secret of at least 12 bytes (96 bits) when one-way CHAP is used.</summary>
    public const int RecommendedSecretBytes = 12;

    /// <summary>The longest CHAP secret accepted (RFC 1994 puts no limit; iSCSI implementations use 255).</summary>
    public const int MaxSecretBytes = 255;

    /// <summary>Stands for the data directory in a backstore string.</summary>
    public const string DataDirPlaceholder = "{DataDir}";

    private const string Root = UserDiskOptions.SectionName;

    private static readonly string[] RootKeys = ["Targets", "Http", "ShutdownTimeout", "Frontend", "DataDir", "Scst", "Inventory", "S3", "Events"];
    private static readonly string[] EventsKeys = ["Replay", "Webhooks", "WebhookQueue", "WebhookRetryLimit"];
    private static readonly string[] S3Keys = ["Endpoint", "Region", "ForcePathStyle", "AccessKey", "SecretKey", "SecretKeyFile", "ChunkSize", "CacheSize", "CacheDirectory", "ReadAhead", "MaxConcurrentRequests", "RequestTimeout", "RetryTimeLimit"];
    private static readonly string[] InventoryKeys = ["Source", "Pattern", "Tag", "Interval", "Target", "FirstLun", "DevicePrefix"];
    private static readonly string[] TargetKeys = ["Name", "Alias", "Portal", "Chap", "Luns"];
    private static readonly string[] LunKeys = ["Number", "Name", "Backstore", "ReadOnly", "BlockSize", "Device"];
    private static readonly string[] ScstKeys = ["DevicePath", "WorkerThreads", "CommandsPerCall", "NotifyOnFree", "Version", "Emulator", "AbiTable", "DrainTimeout", "MaxRestartsPerMinute"];
    private static readonly string[] ChapKeys = ["UserName", "Secret", "SecretFile", "MutualUserName", "MutualSecret", "MutualSecretFile"];

    /// <summary>Every key the reader accepts, by section (indexes written as N): what docs/configuration.md documents.</summary>
    internal static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> KnownKeys = new Dictionary<string, IReadOnlyList<string>>
    {
        [Root] = RootKeys,
        [$"{Root}:Targets:N"] = TargetKeys,
        [$"{Root}:Targets:N:Chap"] = ChapKeys,
        [$"{Root}:Targets:N:Luns:N"] = LunKeys,
        [$"{Root}:Scst"] = ScstKeys,
        [$"{Root}:S3"] = S3Keys,
        [$"{Root}:Inventory"] = InventoryKeys,
        [$"{Root}:Events"] = EventsKeys,
    };

    private readonly IConfiguration _configuration;
    private readonly ReaderSettings _settings;
    private readonly List<ConfigurationProblem> _problems = [];

    private UserDiskOptionsReader(IConfiguration configuration, ReaderSettings settings)
    {
        _configuration = configuration;
        _settings = settings;
    }

    /// <summary>Reads and validates; <see cref="OptionsReadResult.Options"/> is null when any error was found.</summary>
    public static OptionsReadResult Read(IConfiguration configuration, ReaderSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var reader = new UserDiskOptionsReader(configuration, settings ?? new ReaderSettings());
        UserDiskOptions? options = reader.ReadRoot();
        bool failed = reader._problems.Exists(p => p.Severity == ProblemSeverity.Error);
        return new OptionsReadResult(failed ? null : options, reader._problems);
    }

    /// <summary>
    /// Only section <c>UserDisk:S3</c>, for commands that reach S3 without serving (<c>userdisk inspect</c>).
    /// </summary>
    public static (UserDisk.Storage.S3.S3Options S3, IReadOnlyList<ConfigurationProblem> Problems) ReadS3Section(IConfiguration configuration, ReaderSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var reader = new UserDiskOptionsReader(configuration, settings ?? new ReaderSettings());
        var s3 = reader.ReadS3(configuration.GetSection($"{Root}:S3"), $"{Root}:S3");
        return (s3, reader._problems);
    }

    private UserDiskOptions? ReadRoot()
    {
        IConfigurationSection root = _configuration.GetSection(Root);
        CheckKeys(root, Root, RootKeys);

        FrontendKind frontend = FrontendKind.Auto;
        string? frontendText = Value(root, "Frontend", out string frontendKey);
        if (!string.IsNullOrWhiteSpace(frontendText))
        {
            switch (frontendText.Trim().ToUpperInvariant())
            {
                case "AUTO":
                    frontend = FrontendKind.Auto;
                    break;
                case "ISCSI":
                    frontend = FrontendKind.Iscsi;
                    break;
                case "SCST":
                    frontend = FrontendKind.Scst;
                    break;
                default:
                    Error(frontendKey, $"'{frontendText}' is not a front end (use auto, iscsi or scst)");
                    break;
            }
        }

        IPEndPoint http = UserDiskOptions.DefaultHttp;
        string? httpText = Value(root, "Http", out string httpKey);
        if (httpText is not null)
        {
            if (EndpointText.TryParse(httpText, defaultPort: null, out IPEndPoint parsed, out string error))
            {
                http = parsed;
            }
            else
            {
                Error(httpKey, error);
            }
        }

        TimeSpan shutdownTimeout = UserDiskOptions.DefaultShutdownTimeout;
        string? timeoutText = Value(root, "ShutdownTimeout", out string timeoutKey);
        if (timeoutText is not null)
        {
            if (TryParseDuration(timeoutText, out TimeSpan timeout) && timeout > TimeSpan.Zero && timeout <= TimeSpan.FromHours(1))
            {
                shutdownTimeout = timeout;
            }
            else
            {
                Error(timeoutKey, $"'{timeoutText}' is not a duration between 0 and 1 hour (use seconds such as 10 or 2.5s, 500ms, or hh:mm:ss)");
            }
        }

        string dataDirText = Value(root, "DataDir", out string dataDirKey) ?? UserDiskOptions.DefaultDataDir;
        string dataDir = string.Empty;
        if (string.IsNullOrWhiteSpace(dataDirText))
        {
            Error(dataDirKey, "the data directory is empty");
        }
        else
        {
            try
            {
                dataDir = Path.GetFullPath(dataDirText, _settings.CurrentDirectory);
            }
            catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
            {
                Error(dataDirKey, $"'{dataDirText}' is not a usable path: {e.Message}");
            }
        }

        IPEndPoint? portalOverride = null;
        if (_settings.PortalOverride is string overrideText)
        {
            if (EndpointText.TryParse(overrideText, defaultPort: 3260, out IPEndPoint parsed, out string error))
            {
                portalOverride = parsed;
            }
            else
            {
                Error("--portal", error);
            }
        }

        var targets = new List<TargetOptions>();
        var targetNames = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var files = new Dictionary<string, (string Key, bool Writable)>(StringComparer.Ordinal);
        string targetsKey = $"{Root}:Targets";
        List<(string Key, IConfigurationSection Section)> targetSections = Items(root.GetSection("Targets"), targetsKey);
        if (targetSections.Count == 0 && !_problems.Exists(p => p.Key.StartsWith(targetsKey, StringComparison.Ordinal)))
        {
            Error(targetsKey, "no targets are configured; at least one target with at least one LUN is needed");
        }

        foreach ((string key, IConfigurationSection section) in targetSections)
        {
            TargetOptions? target = ReadTarget(section, key, dataDir, portalOverride, targetNames, files);
            if (target is not null)
            {
                targets.Add(target);
            }
        }

        ScstOptions scst = ReadScst(root.GetSection("Scst"), $"{Root}:Scst");
        InventoryOptions? inventory = ReadInventory(root.GetSection("Inventory"), $"{Root}:Inventory", targets);
        UserDisk.Storage.S3.S3Options s3 = ReadS3(root.GetSection("S3"), $"{Root}:S3");
        EventsOptions events = ReadEvents(root.GetSection("Events"), $"{Root}:Events");
        CheckScstDeviceNames(targets, frontend);

        return new UserDiskOptions
        {
            Scst = scst,
            Inventory = inventory,
            S3 = s3,
            Events = events,
            Targets = targets,
            Http = http,
            ShutdownTimeout = shutdownTimeout,
            Frontend = frontend,
            DataDir = dataDir,
        };
    }

    private TargetOptions? ReadTarget(
        IConfigurationSection section,
        string path,
        string dataDir,
        IPEndPoint? portalOverride,
        Dictionary<string, string> targetNames,
        Dictionary<string, (string Key, bool Writable)> files)
    {
        CheckKeys(section, path, TargetKeys);
        bool valid = true;

        string? name = Value(section, "Name", out string nameKey);
        if (string.IsNullOrWhiteSpace(name))
        {
            Error(nameKey, "the target needs an iSCSI name, e.g. iqn.2026-11.io.userdisk:disk (RFC 7143 4.2.7)");
            valid = false;
        }
        else if (IscsiName.Validate(name) is string why)
        {
            Error(nameKey, why);
            valid = false;
        }
        else if (!targetNames.TryAdd(name, nameKey))
        {
            Error(nameKey, $"target '{name}' is also defined at {targetNames[name]}; target names must be unique");
            valid = false;
        }

        string? alias = Value(section, "Alias", out string aliasKey);
        if (alias is not null && Encoding.UTF8.GetByteCount(alias) > 255)
        {
            Error(aliasKey, "the alias is longer than 255 bytes");
            valid = false;
        }

        IPEndPoint portal = UserDiskOptions.DefaultPortal;
        string? portalText = Value(section, "Portal", out string portalKey);
        if (portalText is not null)
        {
            if (EndpointText.TryParse(portalText, defaultPort: 3260, out IPEndPoint parsed, out string error))
            {
                portal = parsed;
            }
            else if (portalOverride is null)
            {
                Error(portalKey, error);
                valid = false;
            }
        }

        portal = portalOverride ?? portal;

        ChapOptions? chap = null;
        IConfigurationSection chapSection = section.GetSection("Chap");
        if (chapSection.Exists())
        {
            chap = ReadChap(chapSection, $"{path}:Chap");
            valid &= chap is not null;
        }

        var luns = new List<LunOptions>();
        string lunsKey = $"{path}:Luns";
        List<(string Key, IConfigurationSection Section)> lunSections = Items(section.GetSection("Luns"), lunsKey);
        // A target may start empty when inventory projection fills it.
        bool inventoryFills = _configuration.GetSection($"{Root}:Inventory").Exists();
        if (lunSections.Count == 0 && !inventoryFills && !_problems.Exists(p => p.Key.StartsWith(lunsKey, StringComparison.Ordinal)))
        {
            Error(lunsKey, "the target has no LUNs; give at least one with a Number and a Backstore (or configure UserDisk:Inventory to fill it)");
            valid = false;
        }

        var numbers = new Dictionary<ulong, string>();
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach ((string key, IConfigurationSection lunSection) in lunSections)
        {
            LunOptions? lun = ReadLun(lunSection, key, dataDir, numbers, names, files);
            if (lun is null)
            {
                valid = false;
            }
            else
            {
                luns.Add(lun);
            }
        }

        return valid && name is not null
            ? new TargetOptions { Name = name, Alias = alias, Portal = portal, Chap = chap, Luns = luns }
            : null;
    }

    private LunOptions? ReadLun(
        IConfigurationSection section,
        string path,
        string dataDir,
        Dictionary<ulong, string> numbers,
        Dictionary<string, string> names,
        Dictionary<string, (string Key, bool Writable)> files)
    {
        CheckKeys(section, path, LunKeys);
        bool valid = true;

        ulong number = 0;
        string? numberText = Value(section, "Number", out string numberKey);
        if (numberText is null)
        {
            Error(numberKey, $"the LUN needs a Number (0..{MaxLun})");
            valid = false;
        }
        else if (!ulong.TryParse(numberText.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out number))
        {
            Error(numberKey, $"'{numberText}' is not a LUN number (0..{MaxLun})");
            valid = false;
        }
        else if (number > MaxLun)
        {
            Error(numberKey, $"LUN {number} is above {MaxLun}, the largest LUN of single-level flat space addressing (SAM-5)");
            valid = false;
        }
        else if (!numbers.TryAdd(number, numberKey))
        {
            Error(numberKey, $"LUN {number} is also used at {numbers[number]}; LUN numbers must be unique within a target");
            valid = false;
        }

        string? name = Value(section, "Name", out string nameKey);
        if (name is not null && string.IsNullOrWhiteSpace(name))
        {
            Error(nameKey, "the name is empty (leave it out to use lunN)");
            valid = false;
        }

        name ??= string.Create(CultureInfo.InvariantCulture, $"lun{number}");
        if (valid && !names.TryAdd(name, nameKey))
        {
            Error(nameKey, $"LUN name '{name}' is also used at {names[name]}; LUN names must be unique within a target");
            valid = false;
        }

        bool readOnly = false;
        string? readOnlyText = Value(section, "ReadOnly", out string readOnlyKey);
        if (readOnlyText is not null && !bool.TryParse(readOnlyText.Trim(), out readOnly))
        {
            Error(readOnlyKey, $"'{readOnlyText}' is not true or false");
            valid = false;
        }

        int? blockSize = null;
        string? blockSizeText = Value(section, "BlockSize", out string blockSizeKey);
        if (blockSizeText is not null)
        {
            if (int.TryParse(blockSizeText.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int parsed) && parsed is 512 or 1024 or 2048 or 4096)
            {
                blockSize = parsed;
            }
            else
            {
                Error(blockSizeKey, $"'{blockSizeText}' is not a supported block size (use 512, 1024, 2048 or 4096)");
                valid = false;
            }
        }

        string? backstoreText = Value(section, "Backstore", out string backstoreKey);
        BackstoreUri? uri = null;
        string backstore = string.Empty;
        if (string.IsNullOrWhiteSpace(backstoreText))
        {
            Error(backstoreKey, "the LUN needs a Backstore: file:PATH[?ro&size=SIZE&create&direct&blocksize=N], memory:SIZE or null:SIZE");
            valid = false;
        }
        else
        {
            backstore = backstoreText.Trim().Replace(DataDirPlaceholder, dataDir, StringComparison.OrdinalIgnoreCase);
            try
            {
                uri = BackstoreUri.Parse(backstore);
            }
            catch (FormatException e)
            {
                Error(backstoreKey, e.Message);
                valid = false;
            }
        }

        if (uri is not null && blockSize is int size)
        {
            // BackstoreUri defaults to 512; a blocksize= in the string that disagrees with BlockSize is a contradiction.
            if (uri.BlockSize != 512 && uri.BlockSize != size)
            {
                Error(blockSizeKey, $"BlockSize {size} contradicts blocksize={uri.BlockSize} in {backstoreKey}");
                valid = false;
            }
            else if (uri.Size is long bytes && bytes % size != 0)
            {
                Error(blockSizeKey, $"the backstore size {bytes} is not a multiple of BlockSize {size}");
                valid = false;
            }
            else
            {
                uri = uri with { BlockSize = size };
            }
        }

        if (uri is { Kind: BackstoreKind.File, Path: string filePath })
        {
            string full = Path.GetFullPath(filePath, _settings.CurrentDirectory);
            bool writable = !readOnly && !uri.ReadOnly;
            if (files.TryGetValue(full, out (string Key, bool Writable) other))
            {
                if (writable || other.Writable)
                {
                    Error(backstoreKey, $"file '{full}' is also served by {other.Key}; a file written through two LUNs would be corrupted (make both read-only or use one LUN)");
                    valid = false;
                }
            }
            else
            {
                files[full] = (backstoreKey, writable);
            }
        }

        string? device = Value(section, "Device", out string deviceKey);
        if (device is not null)
        {
            try
            {
                UserDisk.Scst.ScstDeviceOptions.ValidateName(device.Trim());
                device = device.Trim();
            }
            catch (ArgumentException e)
            {
                Error(deviceKey, e.Message);
                valid = false;
            }
        }

        return valid && uri is not null
            ? new LunOptions { Number = number, Name = name, Backstore = backstore, BackstoreUri = uri, ReadOnly = readOnly, Device = device, ConfigurationKey = path }
            : null;
    }

    private ScstOptions ReadScst(IConfigurationSection section, string path)
    {
        var defaults = new ScstOptions();
        if (!section.Exists())
        {
            return defaults;
        }

        CheckKeys(section, path, ScstKeys);
        int workers = ReadInt(section, "WorkerThreads", 1, 64, defaults.WorkerThreads);
        int perCall = ReadInt(section, "CommandsPerCall", 1, 256, defaults.CommandsPerCall);
        int restarts = ReadInt(section, "MaxRestartsPerMinute", 0, 100, defaults.MaxRestartsPerMinute);
        bool notify = defaults.NotifyOnFree;
        string? notifyText = Value(section, "NotifyOnFree", out string notifyKey);
        if (notifyText is not null && !bool.TryParse(notifyText.Trim(), out notify))
        {
            Error(notifyKey, $"'{notifyText}' is not true or false");
        }

        TimeSpan drain = defaults.DrainTimeout;
        string? drainText = Value(section, "DrainTimeout", out string drainKey);
        if (drainText is not null && !(TryParseDuration(drainText, out drain) && drain >= TimeSpan.Zero && drain <= TimeSpan.FromMinutes(10)))
        {
            Error(drainKey, $"'{drainText}' is not a duration between 0 and 10 minutes");
            drain = defaults.DrainTimeout;
        }

        string? version = Value(section, "Version", out string versionKey);
        if (version is not null && !System.Text.RegularExpressions.Regex.IsMatch(version.Trim(), "^[0-9]+\\.[0-9]+\\.[0-9]+(-[a-z0-9]+)?[0-9a-f]{80}$"))
        {
            Error(versionKey, $"'{version}' is not a DEV_USER_VERSION (version name followed by 80 hex digits, e.g. 3.10.0230a…); leave it out to discover it");
        }

        string? emulator = Value(section, "Emulator", out string emulatorKey);
        if (emulator is not null && !File.Exists(Path.GetFullPath(emulator, _settings.CurrentDirectory)))
        {
            Error(emulatorKey, $"'{emulator}' does not exist (build it with `make native`: native-shim/build/libuserdisk_shim.so)");
        }

        string? abiTable = Value(section, "AbiTable", out _);
        return new ScstOptions
        {
            DevicePath = Value(section, "DevicePath", out _) ?? defaults.DevicePath,
            WorkerThreads = workers,
            CommandsPerCall = perCall,
            NotifyOnFree = notify,
            Version = version?.Trim(),
            Emulator = emulator is null ? null : Path.GetFullPath(emulator, _settings.CurrentDirectory),
            AbiTable = abiTable is null ? null : Path.GetFullPath(abiTable, _settings.CurrentDirectory),
            DrainTimeout = drain,
            MaxRestartsPerMinute = restarts,
        };
    }

    private InventoryOptions? ReadInventory(IConfigurationSection section, string path, List<TargetOptions> targets)
    {
        if (!section.Exists())
        {
            return null;
        }

        CheckKeys(section, path, InventoryKeys);
        bool valid = true;
        string? source = Value(section, "Source", out string sourceKey)?.Trim();
        if (string.IsNullOrEmpty(source))
        {
            Error(sourceKey, "the inventory needs a Source: s3://bucket/prefix/ or a folder");
            valid = false;
        }
        else if (source.StartsWith("s3://", StringComparison.Ordinal))
        {
            string rest = source["s3://".Length..];
            if (rest.Length == 0 || rest[0] == '/')
            {
                Error(sourceKey, $"'{source}' names no bucket (s3://bucket/prefix/)");
                valid = false;
            }
        }
        else
        {
            source = Path.GetFullPath(source, _settings.CurrentDirectory);
            if (!Directory.Exists(source))
            {
                Error(sourceKey, $"folder '{source}' does not exist");
                valid = false;
            }
        }

        string pattern = Value(section, "Pattern", out string patternKey)?.Trim() ?? "*.squashfs";
        if (pattern.Length == 0 || pattern.Contains('/', StringComparison.Ordinal))
        {
            Error(patternKey, $"'{pattern}' is not a file-name pattern (use * and ?, no '/')");
            valid = false;
        }

        string? tagName = null;
        string? tagValue = null;
        string? tag = Value(section, "Tag", out string tagKey);
        if (tag is not null)
        {
            int equals = tag.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0 || equals == tag.Length - 1)
            {
                Error(tagKey, $"'{tag}' is not name=value (e.g. sbps-project=true)");
                valid = false;
            }
            else
            {
                tagName = tag[..equals].Trim();
                tagValue = tag[(equals + 1)..].Trim();
            }
        }

        TimeSpan interval = InventoryOptions.DefaultInterval;
        string? intervalText = Value(section, "Interval", out string intervalKey);
        if (intervalText is not null && !(TryParseDuration(intervalText, out interval) && interval >= TimeSpan.FromSeconds(1) && interval <= TimeSpan.FromDays(1)))
        {
            Error(intervalKey, $"'{intervalText}' is not a duration between 1 second and 1 day");
            valid = false;
        }

        string? targetName = Value(section, "Target", out string targetKey)?.Trim();
        TargetOptions? target = targetName is null ? targets.FirstOrDefault() : targets.Find(t => string.Equals(t.Name, targetName, StringComparison.OrdinalIgnoreCase));
        if (target is null)
        {
            Error(targetKey, targetName is null ? "no target to put projected images in" : $"'{targetName}' is not a configured target (UserDisk:Targets)");
            valid = false;
        }

        ulong firstLun = target is null || target.Luns.Count == 0 ? 0 : target.Luns.Max(l => l.Number) + 1;
        string? firstLunText = Value(section, "FirstLun", out string firstLunKey);
        if (firstLunText is not null && !(ulong.TryParse(firstLunText.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out firstLun) && firstLun <= MaxLun))
        {
            Error(firstLunKey, $"'{firstLunText}' is not a LUN number (0..{MaxLun})");
            valid = false;
        }

        string prefix = Value(section, "DevicePrefix", out string prefixKey) ?? string.Empty;
        if (prefix.Length > 30 || prefix.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
        {
            Error(prefixKey, $"'{prefix}' is not a device name prefix (at most 30 letters, digits, '-' or '_')");
            valid = false;
        }

        return valid
            ? new InventoryOptions
            {
                Source = source!,
                Pattern = pattern,
                TagName = tagName,
                TagValue = tagValue,
                Interval = interval,
                Target = target!.Name,
                FirstLun = firstLun,
                DevicePrefix = prefix,
            }
            : null;
    }

    private UserDisk.Storage.S3.S3Options ReadS3(IConfigurationSection section, string path)
    {
        var defaults = new UserDisk.Storage.S3.S3Options();
        if (!section.Exists())
        {
            return defaults;
        }

        CheckKeys(section, path, S3Keys);
        string? endpoint = Value(section, "Endpoint", out string endpointKey)?.Trim();
        if (endpoint is not null && !(Uri.TryCreate(endpoint, UriKind.Absolute, out Uri? uri) && uri.Scheme is "http" or "https"))
        {
            Error(endpointKey, $"'{endpoint}' is not an http:// or https:// URL");
        }

        bool pathStyle = defaults.ForcePathStyle;
        string? pathStyleText = Value(section, "ForcePathStyle", out string pathStyleKey);
        if (pathStyleText is not null && !bool.TryParse(pathStyleText.Trim(), out pathStyle))
        {
            Error(pathStyleKey, $"'{pathStyleText}' is not true or false");
        }

        string? accessKey = Value(section, "AccessKey", out string accessKeyKey);
        string? secretKey = Secret(section, path, "SecretKey", required: false);
        string secretKeyKey = $"{path}:SecretKey";
        if (accessKey is null != secretKey is null)
        {
            Error(accessKey is null ? accessKeyKey : secretKeyKey, "AccessKey and SecretKey go together (leave both out to use the AWS environment variables or profile)");
        }

        long chunk = ReadSize(section, "ChunkSize", defaults.ChunkBytes);
        if (chunk < UserDisk.Storage.S3.S3Options.MinChunkBytes || chunk > UserDisk.Storage.S3.S3Options.MaxChunkBytes || (chunk & (chunk - 1)) != 0)
        {
            Error($"{path}:ChunkSize", $"{chunk} bytes is not a power of two from 64K to 64M");
            chunk = defaults.ChunkBytes;
        }

        long cache = ReadSize(section, "CacheSize", defaults.CacheBytes);
        if (cache < chunk)
        {
            Error($"{path}:CacheSize", $"{cache} bytes cannot hold one {chunk}-byte chunk");
        }

        TimeSpan requestTimeout = ReadDuration(section, "RequestTimeout", defaults.RequestTimeout, TimeSpan.FromMinutes(10));
        TimeSpan retryLimit = ReadDuration(section, "RetryTimeLimit", defaults.RetryTimeLimit, TimeSpan.FromHours(1));
        string? cacheDirectory = Value(section, "CacheDirectory", out _);
        return defaults with
        {
            Endpoint = endpoint,
            Region = Value(section, "Region", out _)?.Trim() ?? defaults.Region,
            ForcePathStyle = pathStyle,
            AccessKey = accessKey,
            SecretKey = secretKey,
            ChunkBytes = (int)chunk,
            CacheBytes = cache,
            CacheDirectory = cacheDirectory is null ? null : Path.GetFullPath(cacheDirectory, _settings.CurrentDirectory),
            ReadAheadChunks = ReadInt(section, "ReadAhead", 0, 64, defaults.ReadAheadChunks),
            MaxConcurrentRequests = ReadInt(section, "MaxConcurrentRequests", 1, 256, defaults.MaxConcurrentRequests),
            RequestTimeout = requestTimeout,
            RetryTimeLimit = retryLimit,
        };
    }

    private EventsOptions ReadEvents(IConfigurationSection section, string path)
    {
        var defaults = new EventsOptions();
        if (!section.Exists())
        {
            return defaults;
        }

        CheckKeys(section, path, EventsKeys);
        var webhooks = new List<Uri>();
        foreach ((string key, IConfigurationSection item) in Items(section.GetSection("Webhooks"), $"{path}:Webhooks"))
        {
            string? text = item.Value;
            if (Uri.TryCreate(text, UriKind.Absolute, out Uri? uri) && uri.Scheme is "http" or "https")
            {
                webhooks.Add(uri);
            }
            else
            {
                Error(key, $"'{text}' is not an http:// or https:// URL");
            }
        }

        return new EventsOptions
        {
            Replay = ReadInt(section, "Replay", 0, 10_000, defaults.Replay),
            Webhooks = webhooks,
            WebhookQueue = ReadInt(section, "WebhookQueue", 1, 1_000_000, defaults.WebhookQueue),
            WebhookRetryLimit = ReadDuration(section, "WebhookRetryLimit", defaults.WebhookRetryLimit, TimeSpan.FromDays(1)),
        };
    }

    private long ReadSize(IConfigurationSection section, string name, long fallback)
    {
        string? text = Value(section, name, out string key);
        if (text is null)
        {
            return fallback;
        }

        try
        {
            return BackstoreUri.ParseSize(text.Trim());
        }
        catch (FormatException e)
        {
            Error(key, e.Message.TrimEnd('.'));
            return fallback;
        }
    }

    private TimeSpan ReadDuration(IConfigurationSection section, string name, TimeSpan fallback, TimeSpan max)
    {
        string? text = Value(section, name, out string key);
        if (text is null)
        {
            return fallback;
        }

        if (TryParseDuration(text, out TimeSpan value) && value > TimeSpan.Zero && value <= max)
        {
            return value;
        }

        Error(key, $"'{text}' is not a duration between 0 and {max}");
        return fallback;
    }

    private int ReadInt(IConfigurationSection section, string name, int min, int max, int fallback)
    {
        string? text = Value(section, name, out string key);
        if (text is null)
        {
            return fallback;
        }

        if (int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value >= min && value <= max)
        {
            return value;
        }

        Error(key, $"'{text}' is not a whole number from {min} to {max}");
        return fallback;
    }

    /// <summary>
    /// Under the scst_user front end every LUN becomes an SCST device: its name (Device, else the LUN name) must be a
    /// valid SCST device name and unique across all targets. Checked whenever scst may be chosen, as a warning for auto.
    /// </summary>
    private void CheckScstDeviceNames(List<TargetOptions> targets, FrontendKind frontend)
    {
        if (frontend == FrontendKind.Iscsi)
        {
            return;
        }

        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (TargetOptions target in targets)
        {
            foreach (LunOptions lun in target.Luns)
            {
                string device = lun.Device ?? lun.Name;
                string key = $"{lun.ConfigurationKey}:{(lun.Device is null ? "Name" : "Device")}";
                string? problem = null;
                try
                {
                    UserDisk.Scst.ScstDeviceOptions.ValidateName(device);
                }
                catch (ArgumentException e)
                {
                    problem = $"{e.Message} (set Device to the SCST device name this LUN registers as)";
                }

                if (problem is null && !seen.TryAdd(device, key))
                {
                    problem = $"SCST device name '{device}' is also used at {seen[device]}; under scst_user every LUN is its own device (set Device)";
                }

                if (problem is not null)
                {
                    if (frontend == FrontendKind.Scst)
                    {
                        Error(key, problem);
                    }
                    else
                    {
                        Warning(key, problem + "; this matters only if auto chooses scst_user");
                    }
                }
            }
        }
    }

    private ChapOptions? ReadChap(IConfigurationSection section, string path)
    {
        CheckKeys(section, path, ChapKeys);
        bool valid = true;
        string? userName = Value(section, "UserName", out string userNameKey);
        if (string.IsNullOrWhiteSpace(userName))
        {
            Error(userNameKey, "CHAP needs the UserName that initiators log in with (CHAP_N)");
            valid = false;
        }
        else if (Encoding.UTF8.GetByteCount(userName) > 255)
        {
            Error(userNameKey, "the CHAP user name is longer than 255 bytes");
            valid = false;
        }

        string? secret = Secret(section, path, "Secret", required: true);
        valid &= secret is not null;

        string? mutualUserName = Value(section, "MutualUserName", out string mutualUserNameKey);
        string? mutualSecret = Secret(section, path, "MutualSecret", required: false);
        bool hasMutualSecret = mutualSecret is not null || HasSecretSetting(section, "MutualSecret");
        if (mutualUserName is not null && !hasMutualSecret)
        {
            Error($"{path}:MutualSecret", "MutualUserName is set but neither MutualSecret nor MutualSecretFile is; mutual CHAP needs both");
            valid = false;
        }
        else if (mutualUserName is null && hasMutualSecret)
        {
            Error(mutualUserNameKey, "a mutual CHAP secret is set but MutualUserName is not; mutual CHAP needs both");
            valid = false;
        }
        else if (mutualUserName is not null && string.IsNullOrWhiteSpace(mutualUserName))
        {
            Error(mutualUserNameKey, "the mutual CHAP user name is empty");
            valid = false;
        }

        if (secret is not null && mutualSecret is not null && string.Equals(secret, mutualSecret, StringComparison.Ordinal))
        {
            Error($"{path}:MutualSecret", "the mutual secret equals the initiator's secret; RFC 7143 12.1.3 forbids using one CHAP secret in both directions");
            valid = false;
        }

        return valid && userName is not null && secret is not null
            ? new ChapOptions { UserName = userName, Secret = secret, MutualUserName = mutualUserName, MutualSecret = mutualSecret }
            : null;
    }

    private static bool HasSecretSetting(IConfigurationSection section, string name) =>
        section[name] is not null || section[name + "File"] is not null;

    /// <summary>
    /// Reads <paramref name="name"/> or <paramref name="name"/>File (read now, trimmed). Messages describe the
    /// secret's length and the file's path, never its content.
    /// </summary>
    private string? Secret(IConfigurationSection section, string path, string name, bool required)
    {
        string? inline = Value(section, name, out string inlineKey);
        string? file = Value(section, name + "File", out string fileKey);
        if (inline is not null && file is not null)
        {
            Error(fileKey, $"both {name} and {name}File are set; give one");
            return null;
        }

        string? secret = inline;
        string key = inlineKey;
        if (file is not null)
        {
            key = fileKey;
            if (string.IsNullOrWhiteSpace(file))
            {
                Error(fileKey, "the secret file path is empty");
                return null;
            }

            string full = Path.GetFullPath(file, _settings.CurrentDirectory);
            try
            {
                secret = File.ReadAllText(full).Trim();
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                Error(fileKey, $"secret file '{full}' does not exist");
                return null;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Error(fileKey, $"secret file '{full}' cannot be read: {e.GetType().Name}");
                return null;
            }

            if (secret.Length == 0)
            {
                Error(fileKey, $"secret file '{full}' is empty");
                return null;
            }
        }

        if (secret is null)
        {
            if (required)
            {
                Error($"{path}:{name}", $"CHAP needs a secret: set {name} or {name}File (a file holding the secret)");
            }

            return null;
        }

        int bytes = Encoding.UTF8.GetByteCount(secret);
        if (bytes == 0)
        {
            Error(key, "the CHAP secret is empty");
            return null;
        }

        if (bytes > MaxSecretBytes)
        {
            Error(key, $"the CHAP secret is {bytes} bytes; at most {MaxSecretBytes} are accepted");
            return null;
        }

        if (bytes < RecommendedSecretBytes)
        {
            Warning(key, $"the CHAP secret is only {bytes} bytes; RFC 7143 12.1.3 asks for at least {RecommendedSecretBytes} (96 bits), 16 is better");
        }

        return secret;
    }

    /// <summary>A scalar setting; a section where a value belongs is an error.</summary>
    private string? Value(IConfigurationSection parent, string name, out string key)
    {
        key = $"{CanonicalPath(parent)}:{name}";
        IConfigurationSection child = parent.GetSection(name);
        if (child.Value is not null)
        {
            return child.Value;
        }

        if (child.GetChildren().Any())
        {
            Error(key, "is a section, but a single value belongs here");
        }

        return null;
    }

    /// <summary>The elements of an array section in index order; non-numeric keys are errors.</summary>
    private List<(string Key, IConfigurationSection Section)> Items(IConfigurationSection array, string path)
    {
        var items = new List<(int Index, string Key, IConfigurationSection Section)>();
        if (array.Value is { Length: > 0 } scalar)
        {
            Error(path, $"is the value '{scalar}', but a list belongs here");
        }

        foreach (IConfigurationSection child in array.GetChildren())
        {
            if (int.TryParse(child.Key, NumberStyles.None, CultureInfo.InvariantCulture, out int index))
            {
                items.Add((index, $"{path}:{index}", child));
            }
            else
            {
                Error($"{path}:{child.Key}", "is not a list index; this setting is a list (a JSON array, or :0, :1, ... keys)");
            }
        }

        return items.OrderBy(i => i.Index).Select(i => (i.Key, i.Section)).ToList();
    }

    private void CheckKeys(IConfigurationSection section, string path, string[] known)
    {
        foreach (IConfigurationSection child in section.GetChildren())
        {
            if (!known.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                Error($"{path}:{child.Key}", $"unknown setting (known here: {string.Join(", ", known)})");
            }
        }
    }

    /// <summary>
    /// Keys as this reader spells them (<c>UserDisk:Targets:0:Luns:1</c>), whatever case the provider used
    /// (environment variables arrive upper case).
    /// </summary>
    private static string CanonicalPath(IConfigurationSection section)
    {
        string[] parts = section.Path.Split(':');
        string[] canonical = [Root, "Targets", "Luns", "Chap", .. RootKeys, .. TargetKeys, .. LunKeys, .. ChapKeys];
        for (int i = 0; i < parts.Length; i++)
        {
            string? match = Array.Find(canonical, k => string.Equals(k, parts[i], StringComparison.OrdinalIgnoreCase));
            parts[i] = match ?? parts[i];
        }

        return string.Join(':', parts);
    }

    private void Error(string key, string message) => Add(key, message, ProblemSeverity.Error);

    private void Warning(string key, string message) => Add(key, message, ProblemSeverity.Warning);

    private void Add(string key, string message, ProblemSeverity severity)
    {
        if (_settings.FlagKeys.TryGetValue(key, out string? flag))
        {
            message += $" (set by {flag})";
        }

        _problems.Add(new ConfigurationProblem(key, message, severity));
    }

    /// <summary>Seconds ("10", "2.5", "10s"), milliseconds ("500ms"), or a TimeSpan ("00:00:10").</summary>
    private static bool TryParseDuration(string text, out TimeSpan duration)
    {
        text = text.Trim();
        if (text.EndsWith("ms", StringComparison.OrdinalIgnoreCase)
            && double.TryParse(text.AsSpan(0, text.Length - 2), NumberStyles.Float, CultureInfo.InvariantCulture, out double ms))
        {
            duration = TimeSpan.FromMilliseconds(ms);
            return double.IsFinite(ms);
        }

        ReadOnlySpan<char> seconds = text.EndsWith('s') || text.EndsWith('S') ? text.AsSpan(0, text.Length - 1) : text.AsSpan();
        if (double.TryParse(seconds, NumberStyles.Float, CultureInfo.InvariantCulture, out double s) && double.IsFinite(s) && s < TimeSpan.MaxValue.TotalSeconds)
        {
            duration = TimeSpan.FromSeconds(s);
            return true;
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out duration);
    }
}
