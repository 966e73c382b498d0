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

    /// <summary>
    /// <c>runtime.tls</c>: the certificate the silo presents on both Orleans ports and the CA every peer's certificate must
    /// chain to (silos of a cluster and clients). Null (the default): the silo creates a private CA and its certificates
    /// in the workspace's runtime folder on first start.
    /// </summary>
    public RuntimeTlsConfig? Tls { get; init; }
}

/// <summary><c>runtime.tls</c>: PEM files, resolved against the config file's directory.</summary>
/// <param name="Certificate">The node's certificate and private key (PEM), for server and client authentication.</param>
/// <param name="CaCertificate">The CA certificate (PEM) peers' certificates must chain to.</param>
public sealed record RuntimeTlsConfig(string Certificate, string CaCertificate);
