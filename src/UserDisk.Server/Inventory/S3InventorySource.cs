using System.Collections.Concurrent;
using Amazon.S3;
using Amazon.S3.Model;

namespace UserDisk.Server.Inventory;

/// <summary>
/// Objects under an S3 prefix whose names match the pattern and, when asked, that carry a tag (or user metadata)
/// with the required value, e.g. sbps-project=true. Tag lookups are remembered per ETag, so a steady bucket costs
/// one LIST per interval.
/// </summary>
public sealed class S3InventorySource : IInventorySource
{
    private readonly IAmazonS3 _client;
    private readonly string _bucket;
    private readonly string _prefix;
    private readonly string _pattern;
    private readonly string? _tagName;
    private readonly string? _tagValue;
    private readonly ConcurrentDictionary<(string Key, string ETag), bool> _tagged = new();

    public S3InventorySource(IAmazonS3 client, string source, string pattern, string? tagName, string? tagValue)
    {
        ArgumentNullException.ThrowIfNull(source);
        _client = client;
        string rest = source["s3://".Length..];
        int slash = rest.IndexOf('/', StringComparison.Ordinal);
        _bucket = slash < 0 ? rest : rest[..slash];
        _prefix = slash < 0 ? string.Empty : rest[(slash + 1)..];
        _pattern = pattern;
        _tagName = tagName;
        _tagValue = tagValue;
        Description = source;
    }

    public string Description { get; }

    public async Task<IReadOnlyList<InventoryImage>> ListAsync(CancellationToken cancellationToken)
    {
        var images = new List<InventoryImage>();
        var request = new ListObjectsV2Request { BucketName = _bucket, Prefix = _prefix };
        ListObjectsV2Response response;
        do
        {
            response = await _client.ListObjectsV2Async(request, cancellationToken).ConfigureAwait(false);
            foreach (var entry in response.S3Objects ?? [])
            {
                string key = entry.Key;
                string name = key[(key.LastIndexOf('/') + 1)..];
                if (name.Length == 0 || !InventoryNaming.Matches(name, _pattern))
                {
                    continue;
                }

                string etag = entry.ETag ?? string.Empty;
                if (_tagName is not null && !await IsTaggedAsync(key, etag, cancellationToken).ConfigureAwait(false))
                {
                    continue;
                }

                string location = $"s3://{_bucket}/{key}";
                images.Add(new InventoryImage(key, InventorySources.BackstoreFor(name, location), etag));
            }

            request.ContinuationToken = response.NextContinuationToken;
        }
        while (response.IsTruncated == true);

        return images;
    }

    private async Task<bool> IsTaggedAsync(string key, string etag, CancellationToken cancellationToken)
    {
        if (_tagged.TryGetValue((key, etag), out bool known))
        {
            return known;
        }

        var tags = await _client.GetObjectTaggingAsync(new GetObjectTaggingRequest { BucketName = _bucket, Key = key }, cancellationToken).ConfigureAwait(false);
        bool tagged = (tags.Tagging ?? []).Exists(t => t.Key == _tagName && t.Value == _tagValue);
        if (!tagged)
        {
            // Some writers set user metadata instead of tags (x-amz-meta-NAME).
            var head = await _client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = _bucket, Key = key }, cancellationToken).ConfigureAwait(false);
            tagged = head.Metadata[_tagName!] == _tagValue;
        }

        _tagged[(key, etag)] = tagged;
        return tagged;
    }
}
