using System.Net;
using System.Net.Sockets;

namespace Duragent.Integration.Tests.Cli;

/// <summary>A TCP port that was free a moment ago (for servers whose port must be written in a config first).</summary>
internal static class FreePort
{
    public static int Get()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
