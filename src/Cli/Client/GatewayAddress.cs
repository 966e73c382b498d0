using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Duragent.Cli.Client;

/// <summary>A silo's Orleans client gateway as given with <c>--gateway HOST:PORT</c> (an IP address or a host name).</summary>
internal sealed record GatewayAddress(string Host, int Port)
{
    /// <summary>Parses <c>host:port</c>, <c>[v6]:port</c> or <c>v4:port</c>; null with <paramref name="error"/> set otherwise.</summary>
    public static GatewayAddress? TryParse(string? text, out string? error)
    {
        error = null;
        var value = text?.Trim() ?? string.Empty;
        var colon = value.LastIndexOf(':');
        if (colon <= 0 || colon == value.Length - 1)
        {
            error = $"expected HOST:PORT (e.g. 127.0.0.1:30000), not '{text}'";
            return null;
        }

        var host = value[..colon].Trim('[', ']');
        if (!int.TryParse(value[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            error = $"the port of '{text}' must be a number from 1 to 65535";
            return null;
        }

        if (host.Length == 0 || host.Contains(':', StringComparison.Ordinal) && !IPAddress.TryParse(host, out _))
        {
            error = $"'{host}' is not a host name or IP address";
            return null;
        }

        return new GatewayAddress(host, port);
    }

    /// <summary>The endpoint to connect to (a host name resolved, IPv4 preferred).</summary>
    public async Task<IPEndPoint> ResolveAsync(CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(Host, out var address))
        {
            return new IPEndPoint(address, Port);
        }

        IPAddress[] addresses;
        try
        {
            addresses = await Dns.GetHostAddressesAsync(Host, cancellationToken);
        }
        catch (SocketException ex)
        {
            throw new ServerUnavailableException(ToString(), ex);
        }

        var chosen = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault()
            ?? throw new ServerUnavailableException(ToString(), new SocketException((int)SocketError.HostNotFound));
        return new IPEndPoint(chosen, Port);
    }

    public override string ToString() => Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}
