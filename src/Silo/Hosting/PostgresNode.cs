using System.Net;
using Duragent.Configuration;
using Orleans.Configuration;
using Orleans.Hosting;

namespace Duragent.Hosting;

/// <summary>
/// The silo of a clustered deployment (<c>storage.provider: postgres</c>): Orleans' ADO.NET clustering and the
/// PostgreSQL storage on the configured database, the <c>cluster:</c> ids and ports, bound to the advertised address.
/// </summary>
internal static class PostgresNode
{
    public static void Configure(ISiloBuilder silo, DuragentConfig config, DuragentNodeOptions node)
    {
        var cluster = config.Cluster;
        var connectionString = config.Storage.ConnectionString
            ?? throw new ConfigurationException($"{config.ConfigFile}: storage.connection_string is required with storage.provider: postgres.");
        var address = IPAddress.Parse(cluster.AdvertisedAddress);
        silo.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = cluster.ClusterId;
            o.ServiceId = cluster.ServiceId;
        });
        silo.Configure<EndpointOptions>(o =>
        {
            o.AdvertisedIPAddress = address;
            o.SiloPort = cluster.SiloPort;
            o.GatewayPort = cluster.GatewayPort;
            o.SiloListeningEndpoint = new IPEndPoint(address, cluster.SiloPort);
            o.GatewayListeningEndpoint = new IPEndPoint(address, cluster.GatewayPort);
        });
        silo.Configure<GrainCollectionOptions>(o => o.CollectionAge = TimeSpan.FromMinutes(config.Runtime.CollectionAgeMinutes));
        silo.UsePostgresClustering(connectionString);
        silo.AddPostgresStorage(o =>
        {
            o.ConnectionString = connectionString;
            o.ServiceId = cluster.ServiceId;
            o.MigrateCommand = $"duragent db migrate --config {config.ConfigFile}";
        });
        node.ConfigureSilo?.Invoke(silo);
    }
}
