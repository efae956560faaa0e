using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace UserDisk.Server.Configuration;

/// <summary>Parses and formats the ADDR:PORT strings of portals and the HTTP endpoint.</summary>
public static class EndpointText
{
    /// <summary>
    /// Parses <c>ADDR:PORT</c>, where ADDR is an IPv4 address or an IPv6 address in brackets (<c>[::1]:3260</c>) and
    /// PORT is 0..65535 (0: the kernel picks one). Without <paramref name="defaultPort"/> the port is required.
    /// </summary>
    public static bool TryParse(string text, int? defaultPort, out IPEndPoint endpoint, out string error)
    {
        ArgumentNullException.ThrowIfNull(text);
        endpoint = new IPEndPoint(IPAddress.None, 0);
        string example = defaultPort is int port ? $"127.0.0.1:{port} or [::1]:{port}" : "127.0.0.1:9090 or [::1]:9090";
        string address;
        string? portText;
        text = text.Trim();
        if (text.Length == 0)
        {
            error = $"the address is empty (use ADDR:PORT, e.g. {example})";
            return false;
        }

        if (text[0] == '[')
        {
            int close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                error = $"'{text}' has no ']' after the IPv6 address (use ADDR:PORT, e.g. {example})";
                return false;
            }

            address = text[1..close];
            string after = text[(close + 1)..];
            if (after.Length > 0 && after[0] != ':')
            {
                error = $"'{text}' has '{after}' after the address where ':PORT' belongs (use ADDR:PORT, e.g. {example})";
                return false;
            }

            portText = after.Length == 0 ? null : after[1..];
        }
        else
        {
            int colon = text.LastIndexOf(':');
            if (colon >= 0 && text.IndexOf(':', StringComparison.Ordinal) != colon)
            {
                error = $"'{text}' looks like an IPv6 address without brackets; write it as [ADDR]:PORT, e.g. [::1]:{defaultPort ?? 9090}";
                return false;
            }

            address = colon < 0 ? text : text[..colon];
            portText = colon < 0 ? null : text[(colon + 1)..];
        }

        if (!IPAddress.TryParse(address, out IPAddress? ip)
            || (text[0] != '[' && ip.AddressFamily != AddressFamily.InterNetwork)
            || (text[0] == '[' && ip.AddressFamily != AddressFamily.InterNetworkV6))
        {
            string what = address == text ? $"'{text}'" : $"'{address}' in '{text}'";
            error = $"{what} is not an IP address (host names are not resolved; use ADDR:PORT, e.g. {example})";
            return false;
        }

        int value;
        if (portText is null)
        {
            if (defaultPort is not int fallback)
            {
                error = $"'{text}' has no port (use ADDR:PORT, e.g. {example})";
                return false;
            }

            value = fallback;
        }
        else if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out value) || value > IPEndPoint.MaxPort)
        {
            error = $"'{portText}' in '{text}' is not a port number (0..65535)";
            return false;
        }

        endpoint = new IPEndPoint(ip, value);
        error = string.Empty;
        return true;
    }

    /// <summary>ADDR:PORT with IPv6 addresses in brackets, as URLs want them.</summary>
    public static string Format(IPEndPoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return endpoint.AddressFamily == AddressFamily.InterNetworkV6
            ? $"[{endpoint.Address}]:{endpoint.Port}"
            : $"{endpoint.Address}:{endpoint.Port}";
    }

    /// <summary>
    /// The address an initiator on this machine dials to reach <paramref name="bound"/>: a wildcard listener
    /// (0.0.0.0 or ::) is reached through loopback.
    /// </summary>
    public static IPEndPoint Dialable(IPEndPoint bound)
    {
        ArgumentNullException.ThrowIfNull(bound);
        if (bound.Address.Equals(IPAddress.Any))
        {
            return new IPEndPoint(IPAddress.Loopback, bound.Port);
        }

        return bound.Address.Equals(IPAddress.IPv6Any) ? new IPEndPoint(IPAddress.IPv6Loopback, bound.Port) : bound;
    }
}
