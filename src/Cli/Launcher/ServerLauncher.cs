using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using Duragent.Cli.Client;
using Duragent.Configuration;
using Duragent.Node;

namespace Duragent.Cli.Launcher;

/// <summary>
/// Finds or starts the local server of a workspace for client commands run without <c>--gateway</c>, and connects to
/// its silo as an Orleans client. A running server records its pid, silo address and Orleans gateway in
/// <see cref="DuragentWorkspace.NodeFile"/>; a live one whose status reports this workspace's hash is reused. When none
/// runs, the CLI starts <c>duragent serve --host 127.0.0.1 --port &lt;server.port&gt; --ephemeral
/// &lt;client.idle_shutdown_seconds&gt; --detach</c> in the background (stdin from /dev/null, stdout and stderr appended
/// to <see cref="DuragentWorkspace.ServerLogFile"/>), then polls the node file and connects, with backoff (100 ms
/// doubling to 250 ms), for up to 10 seconds. Something else on the HTTP port (another workspace's server) is reported
/// before anything is started.
/// </summary>
internal sealed class ServerLauncher
{
    /// <summary>How long a started server has to become ready: 10 seconds.</summary>
    public static readonly TimeSpan StartupTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The first readiness poll delay: 100 ms (doubling).</summary>
    public static readonly TimeSpan InitialPollDelay = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest readiness poll delay: 250 ms (a poll reads a small file).</summary>
    public static readonly TimeSpan MaxPollDelay = TimeSpan.FromMilliseconds(250);

    // A server whose own process died may have lost a start-up race to another client's server: look a bit longer.
    private static readonly TimeSpan RaceGrace = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(2);

    private readonly DuragentWorkspace _workspace;
    private readonly Action<string>? _notice;

    public ServerLauncher(DuragentWorkspace workspace, Action<string>? notice = null)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        _workspace = workspace;
        _notice = notice;
        Port = workspace.Config.Server.Port;
        BaseUrl = new Uri($"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}/");
    }

    public int Port { get; }

    public Uri BaseUrl { get; }

    public string LogFile => _workspace.ServerLogFile(Port);

    /// <summary>
    /// A client of this workspace's server: the running one, or one started now. Throws <see cref="CliException"/> when
    /// none can be found or started (the message names the log and the way out).
    /// </summary>
    public async Task<DuragentClient> ConnectAsync(CancellationToken cancellationToken)
    {
        if (Port <= 0)
        {
            throw new CliException($"server.port is {Port} in {_workspace.ConfigFile}; the CLI needs a fixed port to start the server (or pass --gateway HOST:PORT).");
        }

        var running = await TryConnectAsync(cancellationToken);
        if (running.Client is { } client)
        {
            return client;
        }

        if (running.Alive)
        {
            // A server of this workspace is starting or stopping: give it the time a server we start would get.
            return await WaitForReadyAsync(null, cancellationToken);
        }

        var other = await ProbeHttpAsync(cancellationToken);
        if (ReferenceEquals(other, NotOurToken))
        {
            throw new CliException(
                $"The server on port {Port} does not accept this workspace's API token: it serves another workspace (or another user's). " +
                $"Stop it with `duragent serve stop` (from its workspace), or set another server.port in {_workspace.ConfigFile}.");
        }

        if (!string.IsNullOrEmpty(other) && !string.Equals(other, _workspace.Hash, StringComparison.OrdinalIgnoreCase))
        {
            throw new CliException(
                $"The server on port {Port} serves a different workspace (hash {Short(other)}, this one is {Short(_workspace.Hash)}). " +
                $"Stop it with `duragent serve stop` (from its workspace), or set another server.port in {_workspace.ConfigFile}.");
        }

        if (other is not null)
        {
            return await WaitForReadyAsync(null, cancellationToken);
        }

        using var process = Start();
        return await WaitForReadyAsync(process, cancellationToken);
    }

    /// <summary>The program and arguments that run <c>duragent serve</c> for this workspace in the background.</summary>
    public IReadOnlyList<string> BuildServeCommand()
    {
        var command = new List<string>(SelfCommand.Get())
        {
            "serve",
            "--config", _workspace.ConfigFile,
            "--host", "127.0.0.1",
            "--port", Port.ToString(CultureInfo.InvariantCulture),
        };
        var idle = _workspace.Config.Client.IdleShutdownSeconds;
        if (idle > 0)
        {
            command.Add("--ephemeral");
            command.Add(idle.ToString(CultureInfo.InvariantCulture));
        }

        command.Add("--detach");
        return command;
    }

    private Process Start()
    {
        if (OperatingSystem.IsWindows())
        {
            throw new CliException($"Starting a server in the background needs a Unix shell. Run `duragent serve --port {Port}` in another terminal, or pass --gateway HOST:PORT.");
        }

        Directory.CreateDirectory(Path.GetDirectoryName(LogFile)!);
        var command = BuildServeCommand();
        File.AppendAllText(LogFile, $"{Environment.NewLine}--- {DateTimeOffset.UtcNow:yyyy-MM-dd'T'HH:mm:ss'Z'} started by duragent (pid {Environment.ProcessId}): {string.Join(' ', command)}{Environment.NewLine}");

        // The shell applies the redirections and execs the server (same pid), so nothing of ours stays open in it.
        var start = new ProcessStartInfo("/bin/sh")
        {
            UseShellExecute = false,
            WorkingDirectory = _workspace.ConfigDirectory,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("exec \"$@\" </dev/null >>\"$DURAGENT_SERVER_LOG\" 2>&1");
        start.ArgumentList.Add("duragent-serve");
        foreach (var part in command)
        {
            start.ArgumentList.Add(part);
        }

        start.Environment["DURAGENT_SERVER_LOG"] = LogFile;
        _notice?.Invoke($"Starting a server for this workspace on {BaseUrl} (log: {LogFile})");
        try
        {
            return Process.Start(start) ?? throw new CliException($"Could not start the server ({string.Join(' ', command)}).");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new CliException($"Could not start the server ({string.Join(' ', command)}): {ex.Message}", ex);
        }
    }

    private async Task<DuragentClient> WaitForReadyAsync(Process? process, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var delay = InitialPollDelay;
        TimeSpan? exitedAt = null;
        while (true)
        {
            await Task.Delay(delay, cancellationToken);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxPollDelay.Ticks));
            var running = await TryConnectAsync(cancellationToken);
            if (running.Client is { } client)
            {
                return client;
            }

            if (process is not null && exitedAt is null && process.HasExited)
            {
                exitedAt = clock.Elapsed;
            }

            if (exitedAt is { } exited && clock.Elapsed - exited > RaceGrace)
            {
                throw new CliException($"The server exited with code {process!.ExitCode} before it was ready. See its log: {LogFile}{LogTail()}");
            }

            if (clock.Elapsed > StartupTimeout)
            {
                throw new CliException($"The server of this workspace did not become ready within {StartupTimeout.TotalSeconds:0} s. See its log: {LogFile}{LogTail()}");
            }
        }
    }

    /// <summary>
    /// Connects to the server the node file names, when its process lives and its status reports this workspace.
    /// <see cref="Running.Alive"/> without a client: the process lives but does not answer (yet).
    /// </summary>
    private async Task<Running> TryConnectAsync(CancellationToken cancellationToken)
    {
        if (NodeEndpoint.TryRead(_workspace.NodeFile) is not { } node || node.GatewayEndPoint is not { } gateway
            || !string.Equals(node.WorkspaceHash, _workspace.Hash, StringComparison.OrdinalIgnoreCase))
        {
            return new Running(null, false);
        }

        if (!node.ProcessExists())
        {
            return new Running(null, false);
        }

        DuragentClient? client = null;
        try
        {
            client = await DuragentClient.ConnectAsync(gateway, node.Silo, DuragentClient.CredentialsOf(_workspace), cancellationToken);
            var status = await client.GetStatusAsync(cancellationToken);
            if (status.Stopping || !string.Equals(status.WorkspaceHash, _workspace.Hash, StringComparison.OrdinalIgnoreCase))
            {
                await client.DisposeAsync();
                return new Running(null, true);
            }

            return new Running(client, true);
        }
        catch (Exception ex) when (DuragentClient.IsUnavailable(ex) || ex is Orleans.Runtime.OrleansException)
        {
            // Not there, or still starting or already stopping (its grain types not registered yet, or any more).
            if (client is not null)
            {
                await client.DisposeAsync();
            }

            return new Running(null, true);
        }
    }

    // What the probe returns for a ready server that does not take this workspace's token.
    private static readonly string NotOurToken = new('-', 1);

    /// <summary>
    /// The workspace hash the HTTP port's <c>/readyz</c> reports to this workspace's API token: null when nothing answers
    /// there, empty when something answers without a status (not ready, or not Duragent), <see cref="NotOurToken"/>
    /// when a ready server does not take the token (it tells only its liveness).
    /// </summary>
    private async Task<string?> ProbeHttpAsync(CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = ProbeTimeout };
        if (Security.ApiTokenStore.For(_workspace) is { } token)
        {
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }

        try
        {
            var ready = await http.GetFromJsonAsync(new Uri(BaseUrl, "readyz"), CliJsonContext.Default.HealthStatus, cancellationToken);
            return ready is { Status: "ok", WorkspaceHash: null } ? NotOurToken : ready?.WorkspaceHash ?? string.Empty;
        }
        catch (HttpRequestException ex) when (ex.StatusCode is not null)
        {
            // Something answers, not ready (a server starting or stopping).
            return string.Empty;
        }
        catch (System.Text.Json.JsonException)
        {
            return string.Empty;
        }
        catch (HttpRequestException)
        {
            return null;
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    private string LogTail()
    {
        try
        {
            var lines = File.ReadLines(LogFile).TakeLast(15).ToList();
            return lines.Count == 0 ? string.Empty : Environment.NewLine + "Last lines of the log:" + Environment.NewLine + string.Join(Environment.NewLine, lines.Select(l => "  " + l));
        }
        catch (IOException)
        {
            return string.Empty;
        }
    }

    private static string Short(string? hash) => hash is null ? "(none)" : hash[..Math.Min(12, hash.Length)];

    private sealed record Running(DuragentClient? Client, bool Alive);
}
