namespace Duragent.Configuration;

/// <summary>The <c>runtime</c> section of <c>duragent.yaml</c>: settings of the Orleans silo.</summary>
public sealed record RuntimeConfig
{
    /// <summary>The default idle time before an activation is collected: 15 minutes.</summary>
    public const int DefaultCollectionAgeMinutes = 15;

    /// <summary>Minutes an activation may stay idle before it is collected; 15 by default; at least 2 (Orleans scans for idle activations every minute and needs a longer age).</summary>
    public int CollectionAgeMinutes { get; init; } = DefaultCollectionAgeMinutes;

    /// <summary>
    /// The silo-to-silo port (<c>runtime.silo_port</c>), bound to 127.0.0.1. 0 (the default) picks a free port at each
    /// start, so that two workspaces on one host never collide.
    /// </summary>
    public int SiloPort { get; init; }

    /// <summary>
    /// The Orleans client gateway port (<c>runtime.gateway_port</c>), bound to 127.0.0.1; 0 (the default) picks a free
    /// port at each start. Nothing but loopback can reach it: it has no authentication of its own.
    /// </summary>
    public int GatewayPort { get; init; }
}
