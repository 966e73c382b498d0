using System.Net;
using System.Runtime.CompilerServices;
using Duragent.Agents;
using Duragent.Hosting;
using Duragent.Configuration;
using Duragent.Node;
using Duragent.Security;
using Duragent.Sessions;
using Duragent.Sessions.Events;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Runtime;
using Orleans.Runtime.Messaging;

namespace Duragent.Cli.Client;

/// <summary>
/// The CLI's connection to a Duragent silo: an Orleans client (<c>Microsoft.Orleans.Client</c>) on the silo's client
/// gateway, calling the grains directly — <see cref="INodeGrain"/> of the silo reached for status, stop, reload and
/// listings, <see cref="ISessionGrain"/> for everything about a session. Connecting fails fast (no retries) when nothing
/// listens; a silo that goes away mid-call surfaces as <see cref="ServerUnavailableException"/>. Domain errors
/// (<see cref="SessionNotFoundException"/>, <see cref="SessionStateException"/>, …) arrive as the grains threw them.
/// </summary>
internal sealed partial class DuragentClient : IAsyncDisposable
{
    /// <summary>How long one call may take (the Orleans response timeout): 30 seconds.</summary>
    public static readonly TimeSpan DefaultRequestTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The longest wait for <see cref="SendMessageAndWaitAsync"/>: a turn may take long.</summary>
    public static readonly TimeSpan TurnWaitTimeout = TimeSpan.FromHours(1);

    private readonly IHost _host;
    private readonly IClusterClient _cluster;

    private DuragentClient(IHost host, IPEndPoint gateway, string siloAddress)
    {
        _host = host;
        _cluster = host.Services.GetRequiredService<IClusterClient>();
        Gateway = gateway;
        SiloAddress = siloAddress;
        Node = _cluster.GetGrain<INodeGrain>(siloAddress);
    }

    /// <summary>The Orleans gateway this client talks to.</summary>
    public IPEndPoint Gateway { get; }

    /// <summary>The address of the silo behind <see cref="Gateway"/> (the node grain's key).</summary>
    public string SiloAddress { get; }

    /// <summary>How long <see cref="ConnectAsync"/> took: the Orleans client's start, its gateway connection and the cluster manifest.</summary>
    public TimeSpan ConnectTime { get; private init; }

    /// <summary>The node grain of the silo behind <see cref="Gateway"/>.</summary>
    public INodeGrain Node { get; }

    /// <summary>
    /// Connects to the silo gateway at <paramref name="gateway"/>. <paramref name="siloAddress"/> names the silo behind it
    /// when known (the workspace's node file); otherwise the cluster's membership is asked which silo serves that
    /// gateway. Throws <see cref="ServerUnavailableException"/> when nothing answers.
    /// </summary>
    public static async Task<DuragentClient> ConnectAsync(IPEndPoint gateway, string? siloAddress, TlsCredentials credentials, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        ArgumentNullException.ThrowIfNull(credentials);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.UseOrleansClient(client =>
        {
            client.UseStaticClustering(gateway);

            // Mutual TLS: the workspace's client certificate, and a silo whose certificate comes from the same CA.
            client.UseTls(credentials.Certificate, o => DuragentNodeExtensions.UseMutualTls(o, credentials));
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = DuragentNodeExtensions.ClusterId;
                o.ServiceId = DuragentNodeExtensions.ClusterId;
            });
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = DefaultRequestTimeout);
            client.Configure<ConnectionOptions>(o => o.OpenConnectionTimeout = TimeSpan.FromSeconds(5));

            // The default retries for minutes when no silo is up; a CLI command must say so at once.
            client.UseConnectionRetryFilter(static (_, _) => Task.FromResult(false));
        });
        var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken);
            siloAddress ??= await FindSiloAsync(host.Services.GetRequiredService<IClusterClient>(), gateway);
            return new DuragentClient(host, gateway, siloAddress) { ConnectTime = clock.Elapsed };
        }
        catch (Exception ex) when (IsRefusedHandshake(ex))
        {
            await DisposeQuietlyAsync(host);
            throw new CliException(
                $"The server at {gateway} refused this client's certificate, or presented one that is not from this workspace's CA: " +
                "it belongs to another workspace, or its certificates were created again. Run the command from the server's workspace (-c path/to/duragent.yaml).", ex);
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            await DisposeQuietlyAsync(host);
            throw new ServerUnavailableException(gateway.ToString(), ex);
        }
        catch
        {
            await DisposeQuietlyAsync(host);
            throw;
        }
    }

    /// <summary>
    /// Connects to the PostgreSQL cluster of <paramref name="config"/> (<c>storage.provider: postgres</c>): Orleans' client
    /// reads the live gateways from the membership table, so any machine that reaches the database and a gateway can
    /// connect without <c>--gateway</c>. The node grain is that of the first live silo.
    /// </summary>
    public static async Task<DuragentClient> ConnectToClusterAsync(Configuration.DuragentConfig config, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(config);
        var connectionString = config.Storage.ConnectionString
            ?? throw new CliException($"{config.ConfigFile}: storage.connection_string is required with storage.provider: postgres.");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();

        // The same client settings as ConnectAsync, with the membership table in place of one static gateway.
        builder.UseOrleansClient(client =>
        {
            client.UsePostgresClustering(connectionString);
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = config.Cluster.ClusterId;
                o.ServiceId = config.Cluster.ServiceId;
            });
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = DefaultRequestTimeout);
            client.Configure<ConnectionOptions>(o => o.OpenConnectionTimeout = TimeSpan.FromSeconds(5));
            client.UseConnectionRetryFilter(static (_, _) => Task.FromResult(false));
        });
        var host = builder.Build();
        var where = $"the cluster '{config.Cluster.ClusterId}' (membership in PostgreSQL)";
        try
        {
            await host.StartAsync(cancellationToken);
            var hosts = await host.Services.GetRequiredService<IClusterClient>().GetGrain<IManagementGrain>(0).GetDetailedHosts(true, cancellationToken);
            var silo = hosts.FirstOrDefault(h => h.ProxyPort > 0) ?? throw new ServerUnavailableException(where, new SiloUnavailableException("No active silo."));
            var gateway = new IPEndPoint(silo.SiloAddress.Endpoint.Address, silo.ProxyPort);
            return new DuragentClient(host, gateway, silo.SiloAddress.ToParsableString()) { ConnectTime = clock.Elapsed };
        }
        catch (Exception ex) when (IsUnavailable(ex) || ex is Npgsql.NpgsqlException || ex is OrleansException)
        {
            await DisposeQuietlyAsync(host);
            throw ex as ServerUnavailableException ?? new ServerUnavailableException(where, ex);
        }
        catch
        {
            await DisposeQuietlyAsync(host);
            throw;
        }
    }

    /// <summary>True for the errors that mean "the silo is not there (any more)", as opposed to an answer.</summary>
    public static bool IsUnavailable(Exception exception) => exception is ServerUnavailableException
        or ConnectionFailedException or SiloUnavailableException or OrleansMessageRejectionException
        or EnumerationAbortedException or TimeoutException or GatewayTooBusyException or ClientNotAvailableException
        or IOException or System.Net.Sockets.SocketException
        || (exception is OrleansException && exception.InnerException is { } inner && IsUnavailable(inner));

    /// <summary>The workspace's client credentials, or a <see cref="CliException"/> that says whose they are and where they live.</summary>
    public static TlsCredentials CredentialsOf(DuragentWorkspace workspace)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        try
        {
            return WorkspaceCertificates.ForClient(workspace);
        }
        catch (CredentialsException ex)
        {
            throw new CliException(
                $"Cannot use this workspace's server: its client certificate cannot be loaded ({ex.Message}). " +
                "Only the user who runs the server, or a group the runtime folder is shared with, may connect (see docs/operations.md, access).", ex);
        }
    }

    // A TLS handshake that failed (on either side) rather than a silo that is not there.
    private static bool IsRefusedHandshake(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is System.Security.Authentication.AuthenticationException)
            {
                return true;
            }
        }

        return false;
    }

    // ------------------------------------------------------------------ node

    public Task<NodeStatus> GetStatusAsync(CancellationToken cancellationToken = default) => CallAsync(() => Node.GetStatusAsync(), cancellationToken);

    public Task<NodeStatus> ShutdownAsync(CancellationToken cancellationToken = default) =>
        CallAsync(() => Node.ShutdownAsync($"duragent CLI (pid {Environment.ProcessId})"), cancellationToken);

    public Task RotateApiTokenAsync(CancellationToken cancellationToken = default) =>
        CallAsync(async () =>
        {
            await Node.RotateApiTokenAsync($"duragent CLI (pid {Environment.ProcessId})");
            return true;
        }, cancellationToken);

    public Task<ReloadResult> ReloadAgentsAsync(CancellationToken cancellationToken = default) => CallAsync(() => Node.ReloadAgentsAsync(), cancellationToken);

    public Task<IReadOnlyList<AgentSummary>> ListAgentsAsync(CancellationToken cancellationToken = default) => CallAsync(() => Node.ListAgentsAsync(), cancellationToken);

    /// <summary>One agent; see <see cref="AgentLookup"/>.</summary>
    public Task<AgentLookup> GetAgentAsync(string name, CancellationToken cancellationToken = default) => CallAsync(() => Node.GetAgentAsync(name), cancellationToken);

    public Task<IReadOnlyList<SessionInfo>> ListSessionsAsync(CancellationToken cancellationToken = default) => CallAsync(() => Node.ListSessionsAsync(), cancellationToken);

    // ------------------------------------------------------------------ sessions

    /// <summary>Creates a session (<c>source: cli</c>) with a new <c>session_&lt;ULID&gt;</c> id, or <paramref name="sessionId"/>.</summary>
    public Task<SessionInfo> CreateSessionAsync(string agent, OnDisconnect? onDisconnect = null, string? sessionId = null, CancellationToken cancellationToken = default)
    {
        var id = sessionId ?? Ulid.NewId("session");
        return CallAsync(() => Session(id).CreateAsync(new CreateSession(agent, onDisconnect, "cli")), cancellationToken);
    }

    /// <summary>The session; throws <see cref="SessionNotFoundException"/> when it does not exist.</summary>
    public async Task<SessionInfo> GetSessionAsync(string sessionId, CancellationToken cancellationToken = default) =>
        await CallAsync(() => Session(sessionId).GetInfoAsync(), cancellationToken) ?? throw new SessionNotFoundException(sessionId);

    public async Task DeleteSessionAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        await GetSessionAsync(sessionId, cancellationToken);
        await CallAsync(async () =>
        {
            await Session(sessionId).DeleteAsync();
            return true;
        }, cancellationToken);
    }

    public Task<MessagePage> GetMessagesAsync(string sessionId, MessageQuery query, CancellationToken cancellationToken = default) =>
        CallAsync(() => Session(sessionId).GetMessagesAsync(query), cancellationToken);

    /// <summary>Sends a message; it is durable when this returns.</summary>
    public Task<MessageAccepted> SendMessageAsync(string sessionId, string content, string? clientMessageId = null, CancellationToken cancellationToken = default) =>
        CallAsync(() => Session(sessionId).SendMessageAsync(new SendMessage(content, Source: "cli", ClientMessageId: clientMessageId)), cancellationToken);

    /// <summary>Sends a message and waits until the turn that answers it ends or parks.</summary>
    public async Task<TurnResult> SendMessageAndWaitAsync(string sessionId, string content, string? clientMessageId = null, CancellationToken cancellationToken = default)
    {
        var accepted = await SendMessageAsync(sessionId, content, clientMessageId, cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TurnWaitTimeout);
        return await CallAsync(() => Session(sessionId).WaitForTurnAcrossActivationsAsync(accepted.Seq, timeout.Token), cancellationToken);
    }

    /// <summary>Stored events with a seq above <paramref name="afterSeq"/>.</summary>
    public Task<StoredEventsPage> GetEventsAsync(string sessionId, long afterSeq, int limit = 500, CancellationToken cancellationToken = default) =>
        CallAsync(() => Session(sessionId).GetEventsAsync(afterSeq, limit), cancellationToken);

    public Task<SessionInfo> DecideApprovalAsync(string sessionId, string callId, ApprovalChoice decision, CancellationToken cancellationToken = default) =>
        CallAsync(() => Session(sessionId).DecideApprovalAsync(new DecideApproval(callId, decision, "cli")), cancellationToken);

    /// <summary>Cancels the running turn; false when none was running.</summary>
    public Task<bool> CancelTurnAsync(string sessionId, CancellationToken cancellationToken = default) =>
        CallAsync(() => Session(sessionId).CancelTurnAsync("cancelled from the CLI"), cancellationToken);

    public Task<SessionInfo> ResumeAsync(string sessionId, CancellationToken cancellationToken = default) =>
        CallAsync(() => Session(sessionId).ResumeAsync(), cancellationToken);

    /// <summary>
    /// The session's events with a seq above <paramref name="afterSeq"/>, stored then live, over this connection only:
    /// the enumeration ends with <see cref="ServerUnavailableException"/> when the silo goes away (callers reconnect,
    /// see <see cref="ServerConnection.StreamEventsAsync"/>), and normally only when the session is deleted.
    /// </summary>
    public async IAsyncEnumerable<SessionEventEnvelope> StreamEventsAsync(string sessionId, long afterSeq, bool attach, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        MarkCall();
        var stream = Session(sessionId).StreamAsync(new StreamOptions(afterSeq, attach, $"cli pid {Environment.ProcessId}"), cancellationToken);
        await using var items = stream.GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            bool more;
            try
            {
                MarkCall();
                more = await items.MoveNextAsync();
            }
            catch (Exception ex) when (IsUnavailable(ex) && !cancellationToken.IsCancellationRequested)
            {
                throw new ServerUnavailableException(Gateway.ToString(), ex);
            }

            if (!more)
            {
                yield break;
            }

            yield return items.Current;
        }
    }

    public async ValueTask DisposeAsync() => await DisposeQuietlyAsync(_host);

    // ------------------------------------------------------------------ plumbing

    private ISessionGrain Session(string sessionId)
    {
        if (GrainKey.Check(sessionId) is { } rule)
        {
            throw new CliException($"'{sessionId}' is not a valid session id: {rule}.", ExitCodes.Usage);
        }

        return _cluster.GetGrain<ISessionGrain>(sessionId);
    }

    private static void MarkCall() => RequestContext.Set(Serve.ClientCallActivity.CliCallMarker, "1");

    private async Task<T> CallAsync<T>(Func<Task<T>> call, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        MarkCall();
        try
        {
            return await call().WaitAsync(cancellationToken);
        }
        catch (Exception ex) when (IsUnavailable(ex) && !cancellationToken.IsCancellationRequested)
        {
            throw new ServerUnavailableException(Gateway.ToString(), ex);
        }
    }

    private static async Task<string> FindSiloAsync(IClusterClient client, IPEndPoint gateway)
    {
        var hosts = await client.GetGrain<IManagementGrain>(0).GetDetailedHosts(onlyActive: true);
        var match = hosts.FirstOrDefault(h => h.ProxyPort == gateway.Port && h.SiloAddress.Endpoint.Address.Equals(gateway.Address))
            ?? hosts.FirstOrDefault(h => h.ProxyPort == gateway.Port)
            ?? (hosts.Length == 1 ? hosts[0] : null);
        return match?.SiloAddress.ToParsableString()
            ?? throw new CliException($"No live silo of the cluster serves the gateway {gateway} ({hosts.Length} silo(s) are active).");
    }

    private static async Task DisposeQuietlyAsync(IHost host)
    {
        try
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await host.StopAsync(stop.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException || IsUnavailable(ex) || ex is OrleansException or ObjectDisposedException)
        {
            // Leaving: a connection that is gone already needs no goodbye.
        }

        host.Dispose();
    }
}
