namespace Duragent.Configuration;

/// <summary>Where a workspace keeps sessions, state, events and reminders.</summary>
public enum StorageProvider
{
    /// <summary>Files under the workspace (the default): one silo, no database.</summary>
    File = 0,

    /// <summary>A PostgreSQL database shared by the silos of a cluster.</summary>
    Postgres = 1,
}

/// <summary>The <c>storage</c> section of <c>duragent.yaml</c>.</summary>
public sealed record StorageConfig
{
    /// <summary><c>storage.provider</c>: <c>file</c> (default) or <c>postgres</c>.</summary>
    public StorageProvider Provider { get; init; } = StorageProvider.File;

    /// <summary><c>storage.connection_string</c>: the Npgsql connection string; required with <c>postgres</c>.</summary>
    public string? ConnectionString { get; init; }

    /// <summary>The connection string with any password replaced by <c>***</c>.</summary>
    public override string ToString() =>
        $"StorageConfig {{ Provider = {Provider}, ConnectionString = {(ConnectionString is null ? "null" : Redact(ConnectionString))} }}";

    /// <summary><paramref name="connectionString"/> with the value of every <c>Password=</c> replaced by <c>***</c>.</summary>
    public static string Redact(string connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        var parts = connectionString.Split(';');
        for (var i = 0; i < parts.Length; i++)
        {
            var equals = parts[i].IndexOf('=', StringComparison.Ordinal);
            if (equals > 0 && parts[i][..equals].Trim().Replace(" ", string.Empty, StringComparison.Ordinal).ToUpperInvariant() is "PASSWORD" or "PWD")
            {
                parts[i] = parts[i][..(equals + 1)] + "***";
            }
        }

        return string.Join(';', parts);
    }
}

/// <summary>The <c>cluster</c> section of <c>duragent.yaml</c>: the Orleans cluster a silo on PostgreSQL joins.</summary>
public sealed record ClusterConfig
{
    /// <summary>The default cluster and service id: <c>duragent</c>.</summary>
    public const string DefaultId = "duragent";

    /// <summary><c>cluster.cluster_id</c>: silos with the same id (and database) form one cluster.</summary>
    public string ClusterId { get; init; } = DefaultId;

    /// <summary><c>cluster.service_id</c>: the service whose state and reminders the cluster serves (stable across deployments).</summary>
    public string ServiceId { get; init; } = DefaultId;

    /// <summary><c>cluster.silo_port</c>: silo-to-silo port; 11111 by default.</summary>
    public int SiloPort { get; init; } = 11111;

    /// <summary><c>cluster.gateway_port</c>: Orleans client gateway port; 30000 by default.</summary>
    public int GatewayPort { get; init; } = 30000;

    /// <summary>
    /// <c>cluster.advertised_address</c>: the IP address other silos and clients reach this silo at; 127.0.0.1 by
    /// default (every silo on one machine).
    /// </summary>
    public string AdvertisedAddress { get; init; } = "127.0.0.1";
}
