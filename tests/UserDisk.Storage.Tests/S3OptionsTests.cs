using UserDisk.Storage.S3;

namespace UserDisk.Storage.Tests;

public sealed class S3OptionsTests
{
    [Fact]
    public void Defaults_are_valid()
    {
        var options = new S3Options();

        options.Validate();
        Assert.Equal(1 << 20, options.ChunkBytes);
        Assert.Equal(256L << 20, options.CacheBytes);
        Assert.Equal("us-east-1", options.Region);
    }

    [Theory]
    [InlineData(100_000)]
    [InlineData(32 << 10)]
    [InlineData(128 << 20)]
    public void Chunk_size_must_be_a_power_of_two_from_64_KiB(int chunkBytes)
    {
        var error = Assert.Throws<ArgumentException>(() => new S3Options { ChunkBytes = chunkBytes }.Validate());

        Assert.Equal(nameof(S3Options.ChunkBytes), error.ParamName);
    }

    [Fact]
    public void Cache_must_hold_a_chunk()
    {
        var error = Assert.Throws<ArgumentException>(() => new S3Options { CacheBytes = 1000 }.Validate());

        Assert.Equal(nameof(S3Options.CacheBytes), error.ParamName);
    }

    [Fact]
    public void Access_key_without_secret_key_is_refused()
    {
        Assert.Throws<ArgumentException>(() => new S3Options { AccessKey = "a" }.Validate());
    }

    [Fact]
    public void Endpoint_must_be_an_http_url()
    {
        Assert.Throws<ArgumentException>(() => new S3Options { Endpoint = "127.0.0.1:9000" }.Validate());
        new S3Options { Endpoint = "http://127.0.0.1:9000" }.Validate();
    }

    [Fact]
    public void ToString_leaves_out_the_secret_key()
    {
        string text = new S3Options { AccessKey = "AKIDEXAMPLE", SecretKey = "wJalrXUtnFEMI" }.ToString();

        Assert.Contains("AKIDEXAMPLE", text, StringComparison.Ordinal);
        Assert.DoesNotContain("wJalrXUtnFEMI", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Factory_shares_one_client_per_endpoint_and_credentials()
    {
        using var factory = new S3ClientFactory();
        var options = new S3Options { Endpoint = "http://127.0.0.1:1", AccessKey = "a", SecretKey = "b", ForcePathStyle = true };

        Assert.Same(factory.GetClient(options), factory.GetClient(options with { ChunkBytes = 64 << 10 }));
        Assert.NotSame(factory.GetClient(options), factory.GetClient(options with { SecretKey = "c" }));
    }
}
