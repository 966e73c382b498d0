using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Duragent.Agents;
using Duragent.Configuration;
using Duragent.FakeLlm;
using Duragent.Gateway.Http.Hosting;
using Duragent.Gateway.Http.Json;
using Duragent.Hosting;
using Duragent.Sessions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime;
using Orleans.Runtime.Placement;
using Orleans.TestingHost;

namespace Duragent.Gateway.Http.Tests.TwoSilo;

/// <summary>
/// Two Orleans silos in one <see cref="InProcessTestCluster"/>, both with the Duragent domain (agents from a temp
/// workspace, LLM clients pointed at a <see cref="FakeLlmServer"/>, the session services) on ONE shared
/// <see cref="InMemoryStorage"/> (grain state, event logs, reminder rows), and the HTTP gateway on Kestrel at
/// 127.0.0.1 whose grain factory, agent catalog and session index are silo 1's: every HTTP request's grain calls start
/// on silo 1. <see cref="CreateSessionOnSilo2Async"/> places a session's activation on silo 2, so the gateway and the
/// session are on different silos.
/// </summary>
/// <remarks>
/// The file provider is not used: it holds a one-silo workspace lock. The cluster runs on real time; Orleans'
/// messaging between the silos is the test cluster's in-memory transport, with the serializer on every hop.
/// </remarks>
internal sealed class TwoSiloKit : IAsyncDisposable
{
    public static readonly TimeSpan Wait = GatewayKit.Wait;

    private readonly TempDirectory _directory;
    private readonly InProcessTestCluster _cluster;
    private readonly List<HttpClient> _clients = [];

    private TwoSiloKit(TempDirectory directory, FakeLlmServer llm, InProcessTestCluster cluster, InMemoryStorage storage, TestLogSink logs)
    {
        _directory = directory;
        Llm = llm;
        _cluster = cluster;
        Storage = storage;
        Logs = logs;
        Silo1 = cluster.Silos[0];
        Silo2 = cluster.Silos[1];
    }

    public FakeLlmServer Llm { get; }

    /// <summary>The workspace directory (duragent.yaml, agents/).</summary>
    public string Root => _directory.Path;

    /// <summary>The one storage both silos use.</summary>
    public InMemoryStorage Storage { get; }

    /// <summary>What both silos and the gateway logged (Debug and up; Orleans' categories at Warning).</summary>
    public TestLogSink Logs { get; }

    public InProcessTestCluster Cluster => _cluster;

    /// <summary>The silo the gateway calls through.</summary>
    public InProcessSiloHandle Silo1 { get; }

    /// <summary>The silo the sessions under test live on.</summary>
    public InProcessSiloHandle Silo2 { get; }

    /// <summary>The HTTP gateway (null until started).</summary>
    public WebApplication? Gateway { get; private set; }

    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");

    public HttpClient Client { get; private set; } = new();

    /// <summary>
    /// Starts the fake LLM, the two silos and the gateway. <paramref name="responseTimeout"/> sets Orleans'
    /// <c>MessagingOptions.ResponseTimeout</c> on both silos and the cluster client (30 seconds by default: Orleans'
    /// own). <paramref name="fastFailureDetection"/> makes the silos probe each other every second and declare a silo
    /// dead after two missed probes, and lets <see cref="KillSilo2Async"/> crash silo 2, for tests that kill one.
    /// </summary>
    public static async Task<TwoSiloKit> StartAsync(TimeSpan? responseTimeout = null, bool fastFailureDetection = false)
    {
        var directory = new TempDirectory("two-silo");
        var llm = await FakeLlmServer.StartAsync();
        InProcessTestCluster? cluster = null;
        TwoSiloKit? kit = null;
        try
        {
            WriteWorkspace(directory.Path, llm);
            var workspace = new DuragentWorkspace(DuragentConfigLoader.Load(Path.Combine(directory.Path, "duragent.yaml")).Config);
            var storage = new InMemoryStorage();
            var logs = new TestLogSink();
            var node = new DuragentNodeOptions
            {
                ConfigureLlm = o =>
                {
                    o.RetryBaseDelay = TimeSpan.FromMilliseconds(5);
                    o.MaxRetryDelay = TimeSpan.FromMilliseconds(50);
                },
            };

            var builder = new InProcessTestClusterBuilder(2);
            builder.Options.ConfigureFileLogging = false;
            builder.ConfigureSiloHost((_, host) =>
            {
                host.Logging.AddProvider(logs);
                host.Logging.SetMinimumLevel(LogLevel.Debug);
                host.Logging.AddFilter<TestLogSink>(null, LogLevel.Debug);
                host.Logging.AddFilter<TestLogSink>("Orleans", LogLevel.Warning);
                host.Logging.AddFilter<TestLogSink>("Microsoft", LogLevel.Warning);
                host.Logging.AddFilter<TestLogSink>("Orleans.Runtime.MembershipService", LogLevel.Information);
                host.Logging.QuietOrleansLogs();
                if (fastFailureDetection)
                {
                    // At build time, after the test cluster registered its shared membership table: wrap it.
                    host.ConfigureContainer(new DefaultServiceProviderFactory(), services =>
                    {
                        var shared = (IMembershipTable)services.Last(d => d.ServiceType == typeof(IMembershipTable)).ImplementationInstance!;
                        var table = new SilenceableMembershipTable(shared);
                        services.AddSingleton(table);
                        services.AddSingleton<IMembershipTable>(table);
                    });
                }
            });
            builder.ConfigureSilo((_, silo) =>
            {
                silo.AddReminders();
                storage.Register(silo.Services);
                silo.Services.AddDuragentDomain(workspace, node);
                if (responseTimeout is { } timeout)
                {
                    silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = timeout);
                }

                if (fastFailureDetection)
                {
                    silo.Configure<ClusterMembershipOptions>(o =>
                    {
                        o.ProbeTimeout = TimeSpan.FromSeconds(1);
                        o.NumMissedProbesLimit = 2;

                        // Silos learn of changes from the table (read every second), not from gossip: a crashed silo
                        // must not tell anyone anything, and its silenced writes must not reach silo 1 by gossip.
                        o.UseLivenessGossip = false;
                        o.TableRefreshTimeout = TimeSpan.FromSeconds(1);
                    });
                }
            });
            builder.ConfigureClient(client =>
            {
                if (responseTimeout is { } timeout)
                {
                    client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = timeout);
                }
            });
            builder.ConfigureClientHost(host => host.Logging.QuietOrleansLogs());
            cluster = builder.Build();
            await cluster.DeployAsync();
            if (cluster.Silos.Count != 2)
            {
                throw new InvalidOperationException($"The test cluster started {cluster.Silos.Count} silos, not 2.");
            }

            // Until each silo knows the other's grain types, it places no activation there.
            await cluster.WaitForClusterManifestToStabilizeAsync();

            kit = new TwoSiloKit(directory, llm, cluster, storage, logs);
            try
            {
                await kit.StartGatewayAsync(workspace);
            }
            catch
            {
                await kit.DisposeAsync();
                throw;
            }

            return kit;
        }
        catch when (kit is null)
        {
            if (cluster is not null)
            {
                await cluster.DisposeAsync();
            }

            await llm.DisposeAsync();
            directory.Dispose();
            throw;
        }
    }

    // The gateway as DuragentServer composes it, minus the silo: its grain calls go through silo 1's services.
    private async Task StartGatewayAsync(DuragentWorkspace workspace)
    {
        var silo1 = Silo1.ServiceProvider;
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = [],
            ApplicationName = "duragent-two-silo",
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(Logs);
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Services.AddSingleton(workspace);
        builder.Services.AddSingleton(silo1.GetRequiredService<IGrainFactory>());
        builder.Services.AddSingleton(silo1.GetRequiredService<IAgentCatalog>());
        builder.Services.AddSingleton(silo1.GetRequiredService<ISessionIndex>());
        builder.Services.AddDuragentGateway(workspace.Config.Server);
        var gateway = builder.Build();
        Gateway = gateway;
        gateway.MapDuragentGateway();
        await gateway.StartAsync();
        var address = gateway.GetListenAddresses()[0];
        BaseAddress = new Uri($"http://{address.Host}:{address.Port}/");
        Client.Dispose();
        Client = NewClient();
    }

    private static void WriteWorkspace(string root, FakeLlmServer llm)
    {
        File.WriteAllText(Path.Combine(root, "duragent.yaml"), "agents_dir: ./agents\nserver:\n  host: \"127.0.0.1\"\n  port: 0\n");
        GatewayKit.WriteAgent(root, "assistant", llm, onDisconnect: "pause");
    }

    /// <summary>A client of the gateway with the API token the gateway generated at start.</summary>
    public HttpClient NewClient()
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = Wait };
        if (Gateway?.Services.GetRequiredService<DuragentWorkspace>() is { } workspace && Duragent.Security.ApiTokenStore.Read(workspace.ApiTokenFile) is { } token)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }

        _clients.Add(client);
        return client;
    }

    /// <summary>An SSE connection to the gateway (silo 1) following <paramref name="sessionId"/>.</summary>
    public Task<SseClient> OpenStreamAsync(string sessionId, string query = "", long? lastEventId = null) =>
        SseClient.OpenAsync(NewClient(), sessionId, query, lastEventId);

    /// <summary>
    /// Creates a session whose activation is on silo 2: the creating call is made through silo 2's own grain factory
    /// and carries Orleans' placement hint for silo 2 (<see cref="IPlacementDirector.PlacementHintKey"/>, which every
    /// built-in placement director honours when the silo is compatible). Asserts where it landed.
    /// </summary>
    public async Task<string> CreateSessionOnSilo2Async(OnDisconnect onDisconnect)
    {
        var id = await CreateSessionOnAsync(Silo2, onDisconnect);
        AssertOnSilo2(id);
        return id;
    }

    /// <summary>Creates a session whose activation is on <paramref name="silo"/> (see <see cref="CreateSessionOnSilo2Async"/>).</summary>
    public async Task<string> CreateSessionOnAsync(InProcessSiloHandle silo, OnDisconnect onDisconnect)
    {
        var id = Ulid.NewId("session");
        RequestContext.Set(IPlacementDirector.PlacementHintKey, silo.SiloAddress);
        try
        {
            await silo.ServiceProvider.GetRequiredService<IGrainFactory>().GetGrain<ISessionGrain>(id).CreateAsync(new CreateSession("assistant", onDisconnect, "test"));
        }
        finally
        {
            RequestContext.Remove(IPlacementDirector.PlacementHintKey);
        }

        return id;
    }

    /// <summary>The silo that holds the session's activation, or null when it has none.</summary>
    public SiloAddress? WhereIs(string sessionId) =>
        _cluster.TryGetGrainContext(GrainId.Create(SessionGrain.GrainTypeName, sessionId), out var context) ? context.Address.SiloAddress : null;

    public void AssertOnSilo2(string sessionId)
    {
        var where = WhereIs(sessionId);
        Assert.True(Silo2.SiloAddress.Equals(where), $"Session {sessionId} should live on silo 2 ({Silo2.SiloAddress}); it is on {where?.ToString() ?? "no silo"} (silo 1 is {Silo1.SiloAddress}).");
    }

    public void AssertOnSilo1(string sessionId)
    {
        var where = WhereIs(sessionId);
        Assert.True(Silo1.SiloAddress.Equals(where), $"Session {sessionId} should live on silo 1 ({Silo1.SiloAddress}); it is on {where?.ToString() ?? "no silo"}.");
    }

    /// <summary>
    /// Kills silo 2 (<c>KillSiloAsync</c>: no graceful stop, no deactivations) and returns how long until silo 1's
    /// membership view declared it dead. <paramref name="crash"/> first cuts silo 2 off the membership table, so it
    /// cannot write its own death there and silo 1's failure detector must find it (needs
    /// <c>fastFailureDetection</c>; see <see cref="SilenceableMembershipTable"/>).
    /// </summary>
    public async Task<TimeSpan> KillSilo2Async(bool crash, TimeSpan timeout)
    {
        var membership = Silo1.ServiceProvider.GetRequiredService<IClusterMembershipService>();
        var dead = Silo2.SiloAddress;
        using var cts = new CancellationTokenSource(timeout);
        var declared = Task.Run(async () =>
        {
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(cts.Token))
            {
                if (snapshot.GetSiloStatus(dead) == SiloStatus.Dead)
                {
                    return;
                }
            }
        });
        var clock = Stopwatch.StartNew();
        if (crash)
        {
            Silo2.ServiceProvider.GetRequiredService<SilenceableMembershipTable>().Silence();
        }

        await _cluster.KillSiloAsync(Silo2);
        try
        {
            await declared;
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            throw new TimeoutException($"Silo 1 did not declare silo 2 dead within {timeout.TotalSeconds:0} s; it sees it as {membership.CurrentSnapshot.GetSiloStatus(dead)}.");
        }

        return clock.Elapsed;
    }

    /// <summary>Stops silo 2 gracefully (<c>StopSiloAsync</c>): its activations deactivate before it leaves.</summary>
    public Task StopSilo2Async() => _cluster.StopSiloAsync(Silo2);

    // ---------------------------------------------------------------- HTTP helpers

    public async Task<MessageAccepted> SendAsync(string sessionId, string content)
    {
        using var response = await Client.PostAsync($"api/v1/sessions/{sessionId}/messages", GatewayKit.Json(JsonSerializer.Serialize(new Dictionary<string, string> { ["content"] = content })));
        await Http.ExpectAsync(response, 202);
        return await Http.ReadAsync(response, SessionJsonContext.Default.MessageAccepted);
    }

    public async Task<SessionInfo> GetSessionAsync(string sessionId)
    {
        using var response = await Client.GetAsync($"api/v1/sessions/{sessionId}");
        await Http.ExpectAsync(response, 200);
        return await Http.ReadAsync(response, SessionJsonContext.Default.SessionInfo);
    }

    /// <summary>The session's stored events after <paramref name="after"/>, through <c>GET /events</c>.</summary>
    public async Task<List<JsonElement>> EventsAsync(string sessionId, long after = 0)
    {
        var all = new List<JsonElement>();
        while (true)
        {
            using var response = await Client.GetAsync($"api/v1/sessions/{sessionId}/events?after={after}&limit=1000");
            await Http.ExpectAsync(response, 200);
            var page = await Http.ReadAsync(response, GatewayJsonContext.Default.SessionEventsPage);
            all.AddRange(page.Events);
            after = page.NextAfter;
            if (!page.HasMore)
            {
                return all;
            }
        }
    }

    /// <summary>
    /// Polls <c>GET /sessions/{id}</c> until <paramref name="done"/> holds: for the attach count, which no event
    /// reports. Every other wait in these tests follows an event stream.
    /// </summary>
    public async Task<SessionInfo> WaitForInfoAsync(string sessionId, Func<SessionInfo, bool> done, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var info = await GetSessionAsync(sessionId);
            if (done(info))
            {
                return info;
            }

            if (deadline.Elapsed > Wait)
            {
                throw new TimeoutException($"Waited {Wait.TotalSeconds:0} s for {what}; the session is {info.Status} with {info.AttachedClients} attached client(s).");
            }

            await Task.Delay(20);
        }
    }

    public static string Text(IEnumerable<System.Net.ServerSentEvents.SseItem<string>> items, string type, string field) =>
        items.Where(e => e.EventType == type)
            .Aggregate(new StringBuilder(), (text, e) => text.Append(JsonDocument.Parse(e.Data).RootElement.GetProperty(field).GetString()))
            .ToString();

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        Client.Dispose();
        try
        {
            if (Gateway is { } gateway)
            {
                using var timeout = new CancellationTokenSource(Wait);
                await gateway.StopAsync(timeout.Token);
                await gateway.DisposeAsync();
            }
        }
        finally
        {
            try
            {
                await _cluster.StopAllSilosAsync();
            }
            finally
            {
                await _cluster.DisposeAsync();
                await Llm.DisposeAsync();
                _directory.Dispose();
            }
        }
    }
}
