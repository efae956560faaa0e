using UserDisk.Storage.S3;

namespace UserDisk.Storage.Tests;

public sealed class S3LocationTests
{
    [Fact]
    public void Parse_splits_the_bucket_from_a_key_with_slashes()
    {
        S3Location location = S3Location.Parse("s3://images/disks/2026/root.img");

        Assert.Equal("images", location.Bucket);
        Assert.Equal("disks/2026/root.img", location.Key);
        Assert.Equal("s3://images/disks/2026/root.img", location.ToString());
    }

    [Fact]
    public void Parse_takes_the_key_literally()
    {
        Assert.Equal("a%2Fb c", S3Location.Parse("s3://bucket/a%2Fb c").Key);
    }

    [Fact]
    public void Locations_with_the_same_bucket_and_key_are_equal()
    {
        Assert.Equal(new S3Location("b", "k/1"), S3Location.Parse("S3://b/k/1"));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("http://bucket/key", "must start with s3://")]
    [InlineData("s3://bucket", "no object key")]
    [InlineData("s3://bucket/", "key is empty")]
    [InlineData("s3:///key", "bucket name is empty")]
    [InlineData("s3://bu cket/key", "contains ' '")]
    public void Parse_says_what_is_wrong(string text, string problem)
    {
        var error = Assert.Throws<FormatException>(() => S3Location.Parse(text));

        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
        Assert.False(S3Location.TryParse(text, out _));
    }

    [Fact]
    public void Constructor_rejects_an_empty_key()
    {
        var error = Assert.Throws<ArgumentException>(() => new S3Location("bucket", ""));

        Assert.Equal("key", error.ParamName);
    }
}
