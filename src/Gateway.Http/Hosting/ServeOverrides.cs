using Duragent.Configuration;
using Duragent.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Duragent.Gateway.Http.Hosting;

/// <summary>
/// What <c>duragent serve</c> (or a test) changes on top of <c>duragent.yaml</c>: the binding from <c>--host</c> and
/// <c>--port</c>, and hooks into the node, the gateway and the service collection.
/// </summary>
public sealed record ServeOverrides
{
    /// <summary>Replaces <c>server.host</c> (an IP address or <c>localhost</c>).</summary>
    public string? Host { get; init; }

    /// <summary>Replaces <c>server.port</c>; 0 picks a free port (read it back with <c>GetListenAddresses</c>).</summary>
    public int? Port { get; init; }

    /// <summary>Adjusts the silo (runtime, storage, LLM, sessions) beyond <c>duragent.yaml</c>.</summary>
    public Action<DuragentNodeOptions>? ConfigureNode { get; init; }

    /// <summary>Adjusts the gateway's options after they were read from the effective <c>server</c> section.</summary>
    public Action<GatewayOptions>? ConfigureGateway { get; init; }

    /// <summary>Adds or replaces services after everything else is registered.</summary>
    public Action<IServiceCollection>? ConfigureServices { get; init; }

    /// <summary>The <c>server</c> section with these overrides applied.</summary>
    public ServerConfig Apply(ServerConfig server)
    {
        ArgumentNullException.ThrowIfNull(server);
        return server with
        {
            Host = Host ?? server.Host,
            Port = Port ?? server.Port,
        };
    }
}
