using System.Net;
using UserDisk.Server.Configuration;

namespace UserDisk.Server.Tests;

public sealed class EndpointTextTests
{
    [Theory]
    [InlineData("127.0.0.1:3260", "127.0.0.1", 3260)]
    [InlineData("0.0.0.0:0", "0.0.0.0", 0)]
    [InlineData("[::1]:9090", "::1", 9090)]
    [InlineData("[fe80::1]:860", "fe80::1", 860)]
    [InlineData(" 10.0.0.5:65535 ", "10.0.0.5", 65535)]
    public void Address_and_port_are_parsed(string text, string address, int port)
    {
        Assert.True(EndpointText.TryParse(text, defaultPort: null, out IPEndPoint endpoint, out string error), error);

        Assert.Equal(new IPEndPoint(IPAddress.Parse(address), port), endpoint);
    }

    [Fact]
    public void Missing_port_takes_the_default_when_there_is_one()
    {
        Assert.True(EndpointText.TryParse("[::1]", defaultPort: 3260, out IPEndPoint endpoint, out _));

        Assert.Equal(new IPEndPoint(IPAddress.IPv6Loopback, 3260), endpoint);
    }

    [Theory]
    [InlineData("")]
    [InlineData("example.com:80")]
    [InlineData("127.0.0.1:http")]
    [InlineData("127.0.0.1:-1")]
    [InlineData("[127.0.0.1]:80")]
    [InlineData("[::1]x")]
    public void Malformed_endpoints_are_rejected_with_a_reason(string text)
    {
        Assert.False(EndpointText.TryParse(text, defaultPort: 3260, out _, out string error));

        Assert.NotEmpty(error);
    }

    [Fact]
    public void Ipv6_endpoints_are_formatted_in_brackets()
    {
        Assert.Equal("[::1]:3260", EndpointText.Format(new IPEndPoint(IPAddress.IPv6Loopback, 3260)));
    }

    [Fact]
    public void Wildcard_listeners_are_dialled_through_loopback()
    {
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 3260), EndpointText.Dialable(new IPEndPoint(IPAddress.Any, 3260)));
    }
}
