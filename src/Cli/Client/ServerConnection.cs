using System.Net;
using System.Runtime.CompilerServices;
using Duragent.Cli.Launcher;
using Duragent.Security;
using Duragent.Sessions;

namespace Duragent.Cli.Client;

/// <summary>
/// The CLI's connection to a server: the current <see cref="Client"/>, and how to get a new one when the silo went
/// away — the workspace's server found or started again (<see cref="IsManaged"/>), or the same <c>--gateway</c>.
/// </summary>
internal sealed class ServerConnection : IAsyncDisposable
{
    private readonly ServerLauncher? _launcher;
    private readonly IPEndPoint? _gateway;
    private readonly TlsCredentials? _credentials;
    private readonly Configuration.DuragentConfig? _cluster;
    private readonly SemaphoreSlim _reconnecting = new(1, 1);

    private ServerConnection(DuragentClient client, ServerLauncher? launcher, IPEndPoint? gateway, TlsCredentials? credentials = null, Configuration.DuragentConfig? cluster = null)
    {
        _credentials = credentials;
        Client = client;
        _launcher = launcher;
        _gateway = gateway;
        _cluster = cluster;
    }

    /// <summary>The client of the silo connected last.</summary>
    public DuragentClient Client { get; private set; }

    /// <summary>True when the server was found or started by the CLI (no <c>--gateway</c>).</summary>
    public bool IsManaged => _launcher is not null;

    /// <summary>Connects to the workspace's server, starting it when none runs.</summary>
    public static async Task<ServerConnection> OpenManagedAsync(ServerLauncher launcher, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(launcher);
        return new ServerConnection(await launcher.ConnectAsync(cancellationToken), launcher, null);
    }

    /// <summary>Connects to the silo gateway given with <c>--gateway</c>; never starts anything.</summary>
    public static async Task<ServerConnection> OpenAsync(IPEndPoint gateway, TlsCredentials credentials, CancellationToken cancellationToken) =>
        new(await DuragentClient.ConnectAsync(gateway, null, credentials, cancellationToken), null, gateway, credentials);

    /// <summary>Connects to a live silo of the PostgreSQL cluster of <paramref name="config"/>, found in its membership table.</summary>
    public static async Task<ServerConnection> OpenClusterAsync(Configuration.DuragentConfig config, CancellationToken cancellationToken) =>
        new(await DuragentClient.ConnectToClusterAsync(config, cancellationToken), null, null, cluster: config);

    /// <summary>
    /// Replaces <see cref="Client"/> with a fresh connection: to the workspace's server (started again if it stopped),
    /// or to the same <c>--gateway</c>. <paramref name="failed"/> is the client the caller saw fail: when another caller
    /// (the REPL's stream and its input both notice a dead silo) replaced it already, the new one is kept.
    /// </summary>
    public async Task ReconnectAsync(CancellationToken cancellationToken, DuragentClient? failed = null)
    {
        await _reconnecting.WaitAsync(cancellationToken);
        try
        {
            if (failed is not null && !ReferenceEquals(failed, Client))
            {
                return;
            }

            var fresh = _launcher is not null
                ? await _launcher.ConnectAsync(cancellationToken)
                : _cluster is not null
                    ? await DuragentClient.ConnectToClusterAsync(_cluster, cancellationToken)
                    : await DuragentClient.ConnectAsync(_gateway!, null, _credentials!, cancellationToken);
            var old = Client;
            Client = fresh;
            await old.DisposeAsync();
        }
        finally
        {
            _reconnecting.Release();
        }
    }

    /// <summary>
    /// The session's events from <see cref="EventStreamOptions.AfterSeq"/> on, stored then live, without gaps or
    /// duplicates across reconnections: when the silo goes away the stream is opened again (through
    /// <see cref="ReconnectAsync"/>, with backoff) from the last seq received.
    /// </summary>
    public async IAsyncEnumerable<SessionEventEnvelope> StreamEventsAsync(string sessionId, EventStreamOptions options, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var after = options.AfterSeq;
        var failures = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Exception? failure = null;
            var client = Client;
            var stream = client.StreamEventsAsync(sessionId, after, options.Attach, cancellationToken).GetAsyncEnumerator(cancellationToken);
            try
            {
                while (true)
                {
                    bool more;
                    try
                    {
                        more = await stream.MoveNextAsync();
                    }
                    catch (ServerUnavailableException ex)
                    {
                        failure = ex;
                        break;
                    }

                    failures = 0;
                    if (!more)
                    {
                        // The session was deleted, or its activation ended: open it again to find out which.
                        failure = new IOException("The event stream ended.");
                        break;
                    }

                    if (stream.Current.Seq > after)
                    {
                        after = stream.Current.Seq;
                        yield return stream.Current;
                    }
                }
            }
            finally
            {
                await stream.DisposeAsync();
            }

            failures++;
            if (options.MaxReconnectAttempts is { } max && failures > max)
            {
                throw new IOException($"The event stream of session '{sessionId}' dropped and {max} reconnection attempts failed: {failure.Message}", failure);
            }

            options.OnDisconnected?.Invoke(failure, failures);
            var delay = TimeSpan.FromMilliseconds(Math.Min(
                options.MaxRetryDelay.TotalMilliseconds,
                options.InitialRetryDelay.TotalMilliseconds * Math.Pow(2, Math.Min(failures - 1, 16))));
            await Task.Delay(delay, cancellationToken);
            if (failure is ServerUnavailableException)
            {
                try
                {
                    await ReconnectAsync(cancellationToken, client);
                    options.OnReconnected?.Invoke();
                }
                catch (Exception ex) when (ex is ServerUnavailableException or CliException)
                {
                    options.OnDisconnected?.Invoke(ex, failures);
                }
            }
            else
            {
                // Still there? A deleted session ends the stream for good.
                await Client.GetSessionAsync(sessionId, cancellationToken);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        _reconnecting.Dispose();
    }
}
