using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace UserDisk.Storage.S3;

/// <summary>One S3 object: a bucket and a key, written <c>s3://bucket/key/with/slashes</c>.</summary>
/// <remarks>
/// The key is taken literally, as the AWS CLI does: no percent-decoding, so "%2F" in a key is three characters and
/// the SDK escapes it on the wire. The bucket is checked only for what no S3-compatible store accepts (empty, too
/// long, whitespace or other characters outside [a-z0-9.-_]); the stricter AWS naming rules are left to the server,
/// because MinIO, Ceph and s3rver accept names that AWS does not.
/// </remarks>
public sealed record S3Location
{
    private const string Scheme = "s3://";

    // S3 limits keys to 1024 bytes of UTF-8 and bucket names to 63 characters; 255 leaves room for stores that allow more.
    private const int MaxBucketLength = 255;
    private const int MaxKeyBytes = 1024;

    public S3Location(string bucket, string key)
    {
        string? problem = CheckBucket(bucket);
        if (problem is not null)
        {
            throw new ArgumentException(problem, nameof(bucket));
        }

        problem = CheckKey(key);
        if (problem is not null)
        {
            throw new ArgumentException(problem, nameof(key));
        }

        Bucket = bucket;
        Key = key;
    }

    public string Bucket { get; }

    public string Key { get; }

    /// <summary>Parses <c>s3://bucket/key</c>; throws <see cref="FormatException"/> saying what is wrong.</summary>
    public static S3Location Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text, out S3Location? location, out string? problem)
            ? location
            : throw new FormatException(problem);
    }

    public static bool TryParse(string? text, [NotNullWhen(true)] out S3Location? location) =>
        TryParse(text, out location, out _);

    /// <summary>The URI form, <c>s3://bucket/key</c>, which <see cref="Parse"/> reads back.</summary>
    public override string ToString() => Scheme + Bucket + "/" + Key;

    private static bool TryParse(
        string? text,
        [NotNullWhen(true)] out S3Location? location,
        [NotNullWhen(false)] out string? problem)
    {
        location = null;
        if (string.IsNullOrEmpty(text))
        {
            problem = "An S3 location is empty; expected s3://bucket/key.";
            return false;
        }

        if (!text.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            problem = $"'{text}' is not an S3 location: it must start with {Scheme} (s3://bucket/key).";
            return false;
        }

        string rest = text[Scheme.Length..];
        int slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            problem = $"'{text}' names a bucket but no object key; expected s3://bucket/key.";
            return false;
        }

        string bucket = rest[..slash];
        string key = rest[(slash + 1)..];
        problem = CheckBucket(bucket) ?? CheckKey(key);
        if (problem is not null)
        {
            problem = $"'{text}' is not a valid S3 location: {problem}";
            return false;
        }

        location = new S3Location(bucket, key);
        return true;
    }

    private static string? CheckBucket(string? bucket)
    {
        if (string.IsNullOrEmpty(bucket))
        {
            return "the bucket name is empty.";
        }

        if (bucket.Length > MaxBucketLength)
        {
            return $"the bucket name is {bucket.Length} characters long (at most {MaxBucketLength}).";
        }

        foreach (char c in bucket)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_'))
            {
                return $"the bucket name '{bucket}' contains '{c}' (only letters, digits, '.', '-' and '_' are allowed).";
            }
        }

        return null;
    }

    private static string? CheckKey(string? key)
    {
        if (string.IsNullOrEmpty(key))
        {
            return "the object key is empty.";
        }

        if (Encoding.UTF8.GetByteCount(key) > MaxKeyBytes)
        {
            return $"the object key is longer than {MaxKeyBytes} bytes of UTF-8.";
        }

        foreach (char c in key)
        {
            if (char.IsControl(c))
            {
                return "the object key contains a control character.";
            }
        }

        return null;
    }
}
