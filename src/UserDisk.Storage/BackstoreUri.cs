using System.Globalization;

namespace UserDisk.Storage;

/// <summary>
/// A backstore as operators write it in configuration, parsed and ready to open:
/// <code>
/// file:PATH[?OPTIONS]     options: ro, direct, create (true|false), size=SIZE, blocksize=N
/// memory:SIZE[?OPTIONS]   options: ro, blocksize=N
/// null:SIZE[?OPTIONS]     options: blocksize=N
/// s3://BUCKET/KEY[?OPTIONS]                     options: blocksize=N (always read-only)
/// squashfs:PATH | squashfs:s3://BUCKET/KEY[?OPTIONS]  options: blocksize=N (always read-only)
/// </code>
/// Examples: <c>file:/srv/disk.img?ro=true</c>, <c>file:/dev/disk/by-id/wwn-0x5000c500a1b2c3d4?direct=true&amp;blocksize=4096</c>,
/// <c>file:/srv/new.img?size=10G</c>, <c>memory:512M</c>, <c>null:1T?blocksize=4096</c>.
/// </summary>
/// <remarks>
/// <para>Options follow the first '?' and are separated by '&amp;'; a PATH therefore cannot contain '?'. Kinds and
/// option names are case-insensitive; a boolean option written alone (<c>?ro</c>) means true; an option may appear
/// once. There is no percent-decoding: the PATH is used as written.</para>
/// <para>SIZE is a whole number of bytes with an optional binary unit: K, M, G, T or KiB, MiB, GiB, TiB (1K = 1024).
/// It must be a positive multiple of the block size (default 512). For <c>file:</c>, size is the size to create a
/// missing file with; <c>create=true</c> also extends an existing smaller file to it (see <see cref="FileBackstoreOptions"/>).</para>
/// <para>Errors are <see cref="FormatException"/>s that quote the string and name the part that is wrong.</para>
/// </remarks>
public sealed record BackstoreUri
{
    private const string Usage = "use file:PATH, memory:SIZE, null:SIZE, s3://BUCKET/KEY or squashfs:PATH|s3://BUCKET/KEY";

    public required BackstoreKind Kind { get; init; }

    /// <summary>The file or block device (<see cref="BackstoreKind.File"/> only).</summary>
    public string? Path { get; init; }

    /// <summary>Size in bytes: required for memory and null, the creation size for file.</summary>
    public long? Size { get; init; }

    public int BlockSize { get; init; } = 512;

    public bool ReadOnly { get; init; }

    public bool DirectIo { get; init; }

    public bool Create { get; init; }

    /// <summary>The object (<see cref="BackstoreKind.S3"/>, or a squashfs image in S3).</summary>
    public S3.S3Location? Object { get; init; }

    /// <summary>True for kinds that never take writes (S3 objects and squashfs images).</summary>
    public bool IsImage => Kind is BackstoreKind.S3 or BackstoreKind.Squashfs;

    /// <summary>Parses a backstore string; throws <see cref="FormatException"/> naming what is wrong.</summary>
    public static BackstoreUri Parse(string uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        int colon = uri.IndexOf(':', StringComparison.Ordinal);
        if (uri.Length == 0)
        {
            throw Error(uri, $"the string is empty ({Usage})");
        }

        if (colon <= 0)
        {
            throw Error(uri, $"the kind is missing ({Usage})");
        }

        string kindText = uri[..colon];
        BackstoreKind kind = kindText.ToUpperInvariant() switch
        {
            "FILE" => BackstoreKind.File,
            "MEMORY" => BackstoreKind.Memory,
            "NULL" => BackstoreKind.Null,
            "S3" => BackstoreKind.S3,
            "SQUASHFS" => BackstoreKind.Squashfs,
            _ => throw Error(uri, $"unknown kind '{kindText}' ({Usage})"),
        };

        string rest = uri[(colon + 1)..];
        int question = rest.IndexOf('?', StringComparison.Ordinal);
        string body = question < 0 ? rest : rest[..question];
        string? query = question < 0 ? null : rest[(question + 1)..];

        var result = new BackstoreUri { Kind = kind };
        if (kind == BackstoreKind.S3)
        {
            result = result with { Object = ParseObject(uri, "s3:" + body), ReadOnly = true };
        }
        else if (kind == BackstoreKind.Squashfs)
        {
            if (body.Length == 0)
            {
                throw Error(uri, "the image is missing (use squashfs:PATH or squashfs:s3://BUCKET/KEY)");
            }

            result = body.StartsWith("s3://", StringComparison.OrdinalIgnoreCase)
                ? result with { Object = ParseObject(uri, body), ReadOnly = true }
                : result with { Path = body.StartsWith("file:", StringComparison.OrdinalIgnoreCase) ? body["file:".Length..] : body, ReadOnly = true };
            if (result.Path is { Length: 0 })
            {
                throw Error(uri, "the path is empty (use squashfs:PATH)");
            }
        }
        else if (kind == BackstoreKind.File)
        {
            if (body.Length == 0)
            {
                throw Error(uri, "the path is empty (use file:PATH)");
            }

            result = result with { Path = body };
        }
        else
        {
            string kindName = kindText.ToLowerInvariant();
            if (body.Length == 0)
            {
                throw Error(uri, $"the size is missing (use {kindName}:SIZE, e.g. {kindName}:1G)");
            }

            result = result with { Size = ParseSize(uri, body) };
        }

        if (query is not null)
        {
            result = ApplyOptions(uri, result, query);
        }

        return Validate(uri, result);
    }

    /// <summary>Parses and opens in one step. <paramref name="name"/> names memory and null stores (their identity).</summary>
    public static IBackstore Open(string uri, string name) => Parse(uri).Open(name);

    /// <summary>
    /// Parses a size: a whole number of bytes with an optional binary unit K, M, G, T (or KiB, MiB, GiB, TiB).
    /// Throws <see cref="FormatException"/>.
    /// </summary>
    public static long ParseSize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParseSize(text, out long bytes, out string? error) ? bytes : throw new FormatException(error + ".");
    }

    /// <summary>
    /// Opens any kind: S3 objects (HEAD, ETag pinned) and squashfs images (superblock read and validated) need I/O
    /// before they can serve, hence async. <paramref name="s3"/> carries endpoint, credentials and cache settings.
    /// </summary>
    public async Task<IBackstore> OpenAsync(string name, S3.S3Options? s3 = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        switch (Kind)
        {
            case BackstoreKind.S3:
                return await S3.S3Backstore.OpenAsync(Object!, (s3 ?? new S3.S3Options()) with { BlockSize = BlockSize }, null, cancellationToken).ConfigureAwait(false);
            case BackstoreKind.Squashfs when Object is not null:
                var inner = await S3.S3Backstore.OpenAsync(Object, (s3 ?? new S3.S3Options()) with { BlockSize = BlockSize }, null, cancellationToken).ConfigureAwait(false);
                try
                {
                    return await SquashfsBackstore.OpenAsync(inner, inner.ObjectLength, Object.ToString(), inner.ETag, BlockSize, cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    inner.Dispose();
                    throw;
                }

            case BackstoreKind.Squashfs:
                return await SquashfsBackstore.OpenFileAsync(Path!, BlockSize, cancellationToken).ConfigureAwait(false);
            default:
                return Open(name);
        }
    }

    /// <summary>Opens the backstore. <paramref name="name"/> gives memory and null stores their identity; a file's comes from its path.</summary>
    public IBackstore Open(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (IsImage)
        {
            throw new InvalidOperationException($"A {Kind} backstore is opened with OpenAsync.");
        }

        return Kind switch
        {
            BackstoreKind.File => FileBackstore.Open(new FileBackstoreOptions
            {
                Path = Path ?? throw new InvalidOperationException("A file backstore needs a Path."),
                ReadOnly = ReadOnly,
                BlockSize = BlockSize,
                DirectIo = DirectIo,
                Size = Size,
                Create = Create,
            }),
            BackstoreKind.Memory => new MemoryBackstore(name, RequiredSize(), BlockSize, ReadOnly),
            BackstoreKind.Null => new NullBackstore(name, RequiredSize(), BlockSize),
            _ => throw new InvalidOperationException($"Unknown backstore kind {Kind}."),
        };
    }

    private long RequiredSize() => Size ?? throw new InvalidOperationException($"A {Kind} backstore needs a Size.");

    private static BackstoreUri ApplyOptions(string uri, BackstoreUri result, string query)
    {
        string kindName = result.Kind.ToString().ToLowerInvariant();
        string known = result.Kind switch
        {
            BackstoreKind.File => "ro, direct, create, size or blocksize",
            BackstoreKind.Memory => "ro or blocksize",
            BackstoreKind.S3 or BackstoreKind.Squashfs => "blocksize; it is always read-only",
            _ => "blocksize",
        };
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string option in query.Split('&'))
        {
            if (option.Length == 0)
            {
                throw Error(uri, "an option is empty (options are NAME=VALUE separated by '&')");
            }

            int equals = option.IndexOf('=', StringComparison.Ordinal);
            string key = (equals < 0 ? option : option[..equals]).ToLowerInvariant();
            string? value = equals < 0 ? null : option[(equals + 1)..];
            bool applies = key switch
            {
                "blocksize" => true,
                "ro" => result.Kind is not BackstoreKind.Null and not BackstoreKind.S3 and not BackstoreKind.Squashfs,
                "direct" or "create" or "size" => result.Kind == BackstoreKind.File,
                _ => false,
            };
            if (!applies)
            {
                string hint = key == "size" ? $"; the size follows '{kindName}:'" : string.Empty;
                throw Error(uri, $"option '{key}' does not apply to {kindName} backstores (use {known}{hint})");
            }

            if (!seen.Add(key))
            {
                throw Error(uri, $"option '{key}' is given more than once");
            }

            result = key switch
            {
                "blocksize" => result with { BlockSize = ParseBlockSize(uri, value) },
                "ro" => result with { ReadOnly = ParseBool(uri, key, value) },
                "direct" => result with { DirectIo = ParseBool(uri, key, value) },
                "create" => result with { Create = ParseBool(uri, key, value) },
                _ => result with { Size = ParseSize(uri, value ?? throw Error(uri, "option 'size' needs a value (size=SIZE)")) },
            };
        }

        return result;
    }

    private static BackstoreUri Validate(string uri, BackstoreUri result)
    {
        if (result.Size is long size && size % result.BlockSize != 0)
        {
            throw Error(uri, $"size {size} is not a multiple of the block size {result.BlockSize}");
        }

        if (result.Create && result.Size is null)
        {
            throw Error(uri, "option 'create' needs a size to create or extend the file to (add size=SIZE)");
        }

        if (result.Create && result.ReadOnly)
        {
            throw Error(uri, "options 'create' and 'ro' cannot both be true");
        }

        return result;
    }

    private static S3.S3Location ParseObject(string uri, string text)
    {
        try
        {
            return S3.S3Location.Parse(text);
        }
        catch (FormatException e)
        {
            throw Error(uri, e.Message.TrimEnd('.'));
        }
    }

    private static long ParseSize(string uri, string text) =>
        TryParseSize(text, out long bytes, out string? error) ? bytes : throw Error(uri, error);

    private static bool TryParseSize(string text, out long bytes, out string? error)
    {
        bytes = 0;
        int digits = 0;
        while (digits < text.Length && char.IsAsciiDigit(text[digits]))
        {
            digits++;
        }

        if (text.Length == 0)
        {
            error = "size is empty";
            return false;
        }

        if (digits == 0)
        {
            error = $"size '{text}' does not start with a number";
            return false;
        }

        string unit = text[digits..];
        if (unit.Length > 0 && (unit[0] == '.' || unit[0] == ','))
        {
            error = $"size '{text}' must be a whole number (use a smaller unit, e.g. 1536M for 1.5G)";
            return false;
        }

        int shift;
        switch (unit.ToUpperInvariant())
        {
            case "":
                shift = 0;
                break;
            case "K" or "KIB":
                shift = 10;
                break;
            case "M" or "MIB":
                shift = 20;
                break;
            case "G" or "GIB":
                shift = 30;
                break;
            case "T" or "TIB":
                shift = 40;
                break;
            default:
                error = $"size '{text}' has an unknown unit suffix '{unit}' (use K, M, G or T)";
                return false;
        }

        if (!long.TryParse(text.AsSpan(0, digits), NumberStyles.None, CultureInfo.InvariantCulture, out long number)
            || number > long.MaxValue >> shift)
        {
            error = $"size '{text}' is too large";
            return false;
        }

        if (number == 0)
        {
            error = $"size '{text}' must be positive";
            return false;
        }

        bytes = number << shift;
        error = null;
        return true;
    }

    private static int ParseBlockSize(string uri, string? value)
    {
        if (value is null)
        {
            throw Error(uri, "option 'blocksize' needs a value (blocksize=512, 1024, 2048 or 4096)");
        }

        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int blockSize)
            || !BackstoreChecks.IsSupportedBlockSize(blockSize))
        {
            throw Error(uri, $"blocksize '{value}' is not supported (use 512, 1024, 2048 or 4096)");
        }

        return blockSize;
    }

    private static bool ParseBool(string uri, string key, string? value)
    {
        // A flag written alone ("?ro") means true.
        if (value is null)
        {
            return true;
        }

        return value.ToUpperInvariant() switch
        {
            "TRUE" or "1" => true,
            "FALSE" or "0" => false,
            _ => throw Error(uri, $"option '{key}' has the value '{value}' (use true or false)"),
        };
    }

    private static FormatException Error(string uri, string? why) => new($"backstore '{uri}': {why}.");
}
