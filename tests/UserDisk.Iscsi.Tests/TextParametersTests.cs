using System.Text;

namespace UserDisk.Iscsi.Tests;

public sealed class TextParametersTests
{
    [Fact]
    public void Parses_nul_terminated_pairs()
    {
        var pairs = new List<KeyValuePair<string, string>>();
        Assert.True(TextParameters.TryParse(Encoding.UTF8.GetBytes("A=1\0B=x,y\0"), pairs, out var error));
        Assert.Null(error);
        Assert.Equal([new("A", "1"), new("B", "x,y")], pairs);
    }

    [Theory]
    [InlineData("A=1")]          // no terminating NUL
    [InlineData("=1\0")]         // empty key
    [InlineData("novalue\0")]    // no '='
    public void Refuses_malformed_text(string text)
    {
        Assert.False(TextParameters.TryParse(Encoding.UTF8.GetBytes(text), [], out var error));
        Assert.NotNull(error);
    }

    [Fact]
    public void Refuses_text_that_is_not_utf8()
    {
        Assert.False(TextParameters.TryParse([(byte)'A', (byte)'=', 0xC3, 0x28, 0], [], out var error));
        Assert.Equal("text is not UTF-8", error);
    }
}
