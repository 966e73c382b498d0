using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime;

namespace Duragent.Storage.Postgres.Tests;

/// <summary>
/// Real silos on Orleans' ADO.NET clustering with this schema's OrleansQuery rows: they find each other in the
/// membership table, share grain state, and a client finds them through the table alone.
/// </summary>
[Collection(PostgresCollection.Name)]
[Trait("Category", "Slow")]
public sealed class PostgresClusterTests(PostgresServer server)
{
    [PostgresFact]
    public async Task TwoSilos_JoinOneCluster_AndServeOneActivationWithSharedState()
    {
        var connectionString = await server.CreateDatabaseAsync("cluster");
        await using (var dataSource = Npgsql.NpgsqlDataSource.Create(connectionString))
        {
            await PostgresSchema.MigrateAsync(dataSource);
        }

        var clusterId = "c-" + Guid.NewGuid().ToString("N")[..8];
        using var first = await StartSiloAsync(connectionString, clusterId);
        using var second = await StartSiloAsync(connectionString, clusterId);

        await WaitForActiveSilosAsync(second, 2);
        var viaFirst = first.Services.GetRequiredService<IGrainFactory>().GetGrain<IClusterCounterGrain>("shared");
        var viaSecond = second.Services.GetRequiredService<IGrainFactory>().GetGrain<IClusterCounterGrain>("shared");
        Assert.Equal(1, await viaFirst.Increment());
        Assert.Equal(2, await viaSecond.Increment());
        Assert.Equal(await viaFirst.Silo(), await viaSecond.Silo());

        // A client that knows only the database finds a gateway in the membership table.
        using (var clientHost = await StartClientAsync(connectionString, clusterId))
        {
            var viaClient = clientHost.Services.GetRequiredService<IClusterClient>().GetGrain<IClusterCounterGrain>("shared");
            Assert.Equal(3, await viaClient.Increment());
            await clientHost.StopAsync();
        }

        // The silo holding the activation stops; the other serves the grain from the stored state.
        var holder = await viaFirst.Silo();
        var (stopping, surviving) = holder == SiloOf(first) ? (first, second) : (second, first);
        await stopping.StopAsync();
        var survivor = surviving.Services.GetRequiredService<IGrainFactory>().GetGrain<IClusterCounterGrain>("shared");
        Assert.Equal(4, await survivor.Increment());
        Assert.Equal(SiloOf(surviving), await survivor.Silo());
        await surviving.StopAsync();
    }

    [PostgresFact]
    public async Task ASilo_OnADatabaseWithoutTheSchema_RefusesToStart_NamingDbMigrate()
    {
        var connectionString = await server.CreateDatabaseAsync("cluster");

        var error = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            using var silo = await StartSiloAsync(connectionString, "c-old");
        });

        var chain = new List<Exception>();
        for (var e = error; e is not null; e = e.InnerException)
        {
            chain.Add(e);
        }

        var schema = Assert.Single(chain.OfType<SchemaVersionException>());
        Assert.Contains("duragent db migrate", schema.Message);
    }

    private static string SiloOf(IHost host) => host.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress.ToString();

    private static async Task WaitForActiveSilosAsync(IHost host, int count)
    {
        var management = host.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var active = (await management.GetHosts(onlyActive: true)).Count;
            if (active >= count)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Waited 60 s for {count} active silos in the membership table; {active} are active.");
            await Task.Delay(200);
        }
    }

    private static async Task<IHost> StartSiloAsync(string connectionString, string clusterId)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = clusterId;
                o.ServiceId = clusterId;
            });
            silo.ConfigureEndpoints(IPAddress.Loopback, FreePort(), FreePort());
            silo.UsePostgresClustering(connectionString);
            silo.AddPostgresStorage(o =>
            {
                o.ConnectionString = connectionString;
                o.ServiceId = clusterId;
            });
        });
        var host = builder.Build();
        try
        {
            await host.StartAsync();
        }
        catch
        {
            host.Dispose();
            throw;
        }

        return host;
    }

    private static async Task<IHost> StartClientAsync(string connectionString, string clusterId)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = clusterId;
                o.ServiceId = clusterId;
            });
            client.UsePostgresClustering(connectionString);
        });
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    private static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}

public interface IClusterCounterGrain : IGrainWithStringKey
{
    Task<int> Increment();

    Task<string> Silo();
}

[GenerateSerializer]
public sealed class ClusterCounterState
{
    [Id(0)]
    public int Count { get; set; }
}

public sealed class ClusterCounterGrain(
    [PersistentState("state")] IPersistentState<ClusterCounterState> state,
    ILocalSiloDetails silo) : Grain, IClusterCounterGrain
{
    public async Task<int> Increment()
    {
        state.State.Count++;
        await state.WriteStateAsync();
        return state.State.Count;
    }

    public Task<string> Silo() => Task.FromResult(silo.SiloAddress.ToString());
}
