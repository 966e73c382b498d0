using System.Diagnostics;
using System.Net;
using Duragent.Configuration;
using Duragent.Hosting;
using Duragent.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace Duragent.Bench;

/// <summary>
/// The <c>tls</c> subcommand: what the Orleans gateway's mutual TLS costs a client. One process, two silos on
/// 127.0.0.1 (one plain, one with the workspace CA's mutual TLS exactly as <c>serve</c> configures it), each with the
/// trivial bench grain; per round, for each (alternating which goes first): a new client's start (TCP connect, TLS
/// handshake, cluster manifest) and its first call, then sequential grain calls through the gateway.
/// </summary>
internal sealed class TlsBenchmark : IBenchmark
{
    public string Name => "tls";

    public string Description => "the Orleans gateway's mutual TLS: client connect and grain call through the gateway, with and without";

    public async Task<int> RunAsync(string[] args)
    {
        var options = new BenchOptions(args);
        var rounds = options.GetInt("runs", 15);
        var calls = options.GetInt("calls", 5_000);
        var root = Path.Combine(Path.GetTempPath(), "duragent-tls-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        try
        {
            Console.WriteLine(MachineInfo.Describe(root));
            File.WriteAllText(Path.Combine(root, "duragent.yaml"), "server:\n  port: 1\n");
            var workspace = new DuragentWorkspace(DuragentConfigLoader.Load(Path.Combine(root, "duragent.yaml")).Config);
            var server = WorkspaceCertificates.ForServer(workspace);
            var client = WorkspaceCertificates.ForClient(workspace);
            using var plain = await StartSiloAsync(null);
            using var tls = await StartSiloAsync(server);

            var results = new Dictionary<string, (List<double> Connect, List<double> Call)> { ["plain"] = ([], []), ["mTLS"] = ([], []) };
            for (var round = -2; round < rounds; round++)
            {
                foreach (var (name, gateway, credentials) in round % 2 == 0
                    ? new[] { ("plain", Gateway(plain), (TlsCredentials?)null), ("mTLS", Gateway(tls), client) }
                    : new[] { ("mTLS", Gateway(tls), client), ("plain", Gateway(plain), (TlsCredentials?)null) })
                {
                    var (connect, call) = await MeasureClientAsync(gateway, credentials, calls);
                    if (round >= 0)
                    {
                        results[name].Connect.Add(connect);
                        results[name].Call.Add(call);
                    }
                }
            }

            Console.WriteLine($"Orleans gateway on 127.0.0.1, {rounds} rounds, {calls:N0} sequential calls per round; median (p90)");
            Console.WriteLine($"  {"",-34}{"plain",18}{"mutual TLS",18}{"added",12}");
            Row("client start + first call, ms", results["plain"].Connect, results["mTLS"].Connect);
            Row("grain call through the gateway, µs", results["plain"].Call, results["mTLS"].Call);
            return 0;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static void Row(string name, List<double> plain, List<double> tls)
    {
        var (p, t) = (plain.Order().ToArray(), tls.Order().ToArray());
        var (pm, tm) = (Stats.Percentile(p, 50), Stats.Percentile(t, 50));
        Console.WriteLine($"  {name,-34}{$"{Stats.F(pm)} ({Stats.F(Stats.Percentile(p, 90))})",18}{$"{Stats.F(tm)} ({Stats.F(Stats.Percentile(t, 90))})",18}{Stats.F(tm - pm, "+0.0;-0.0"),12}");
    }

    private static IPEndPoint Gateway(IHost silo) => new(IPAddress.Loopback, silo.Services.GetRequiredService<IOptions<EndpointOptions>>().Value.GatewayPort);

    private static async Task<IHost> StartSiloAsync(TlsCredentials? credentials)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(FreePort(), FreePort(), serviceId: credentials is null ? "plain" : "tls", clusterId: credentials is null ? "plain" : "tls");
            if (credentials is not null)
            {
                silo.UseTls(credentials.Certificate, o => DuragentNodeExtensions.UseMutualTls(o, credentials));
            }
        });
        builder.Logging.QuietOrleansLogs();
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    // (client start + first call in ms, mean sequential call in µs)
    private static async Task<(double, double)> MeasureClientAsync(IPEndPoint gateway, TlsCredentials? credentials, int calls)
    {
        var clock = Stopwatch.StartNew();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleansClient(client =>
        {
            client.UseStaticClustering(gateway);
            var id = credentials is null ? "plain" : "tls";
            client.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (id, id));
            if (credentials is not null)
            {
                client.UseTls(credentials.Certificate, o => DuragentNodeExtensions.UseMutualTls(o, credentials));
            }
        });
        using var host = builder.Build();
        await host.StartAsync();
        var grain = host.Services.GetRequiredService<IClusterClient>().GetGrain<IBenchGrain>("tls-bench");
        await grain.PingAsync(0);
        var connect = clock.Elapsed.TotalMilliseconds;
        clock.Restart();
        for (var i = 0; i < calls; i++)
        {
            await grain.PingAsync(i);
        }

        var call = clock.Elapsed.TotalMicroseconds / calls;
        await host.StopAsync();
        return (connect, call);
    }

    private static int FreePort()
    {
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
