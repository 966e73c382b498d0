using System.Diagnostics;
using System.Globalization;
using Duragent.Cli.Client;
using Duragent.Configuration;

namespace Duragent.Cli.Launcher;

/// <summary>
/// Finds or starts the local server of a workspace for client commands run without <c>--server</c>: the target is
/// <c>http://127.0.0.1:&lt;server.port&gt;</c>; a server answering <c>/readyz</c> with this workspace's hash is reused,
/// one with another hash is an error, and when nothing answers the CLI starts
/// <c>duragent serve --host 127.0.0.1 --port P --ephemeral &lt;client.idle_shutdown_seconds&gt; --detach</c> in the
/// background (stdin from /dev/null, stdout and stderr appended to <see cref="DuragentWorkspace.ServerLogFile"/>),
/// then polls <c>/readyz</c> with backoff (100 ms doubling to 1 s) for up to 10 seconds.
/// </summary>
internal sealed class ServerLauncher
{
    /// <summary>How long a started server has to become ready: 10 seconds.</summary>
    public static readonly TimeSpan StartupTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The first readiness poll delay: 100 ms (doubling).</summary>
    public static readonly TimeSpan InitialPollDelay = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest readiness poll delay: 1 second.</summary>
    public static readonly TimeSpan MaxPollDelay = TimeSpan.FromSeconds(1);

    // A server whose own process died may have lost a start-up race to another client's server: look a bit longer.
    private static readonly TimeSpan RaceGrace = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(2);

    private readonly DuragentWorkspace _workspace;
    private readonly ClientCredentials _credentials;
    private readonly Action<string>? _notice;

    public ServerLauncher(DuragentWorkspace workspace, ClientCredentials credentials, Action<string>? notice = null)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        _workspace = workspace;
        _credentials = credentials;
        _notice = notice;
        Port = workspace.Config.Server.Port;
        BaseUrl = new Uri($"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}/");
    }

    public int Port { get; }

    public Uri BaseUrl { get; }

    public string LogFile => _workspace.ServerLogFile(Port);

    /// <summary>Makes sure this workspace's server answers on <see cref="BaseUrl"/>, starting it when nothing does.</summary>
    public async Task EnsureServerAsync(CancellationToken cancellationToken)
    {
        if (Port <= 0)
        {
            throw new CliException($"server.port is {Port} in {_workspace.ConfigFile}; the CLI needs a fixed port to find or start the server (or pass --server URL).");
        }

        var probe = await ProbeAsync(cancellationToken);
        if (probe.Ready)
        {
            CheckWorkspace(probe);
            return;
        }

        if (probe.Answered)
        {
            // Something is starting up on the port; give it the same time a server we start would get.
            await WaitForReadyAsync(null, cancellationToken);
            return;
        }

        using var process = Start();
        await WaitForReadyAsync(process, cancellationToken);
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
            throw new CliException($"Starting a server in the background needs a Unix shell. Run `duragent serve --port {Port}` in another terminal, or pass --server URL.");
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

    private async Task WaitForReadyAsync(Process? process, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var delay = InitialPollDelay;
        TimeSpan? exitedAt = null;
        while (true)
        {
            await Task.Delay(delay, cancellationToken);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxPollDelay.Ticks));
            var probe = await ProbeAsync(cancellationToken);
            if (probe.Ready)
            {
                CheckWorkspace(probe);
                return;
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
                throw new CliException($"The server on port {Port} did not become ready within {StartupTimeout.TotalSeconds:0} s. See its log: {LogFile}{LogTail()}");
            }
        }
    }

    private void CheckWorkspace(Probe probe)
    {
        if (!string.Equals(probe.Health!.WorkspaceHash, _workspace.Hash, StringComparison.OrdinalIgnoreCase))
        {
            throw new CliException(
                $"The server on port {Port} serves a different workspace (hash {Short(probe.Health.WorkspaceHash)}, this one is {Short(_workspace.Hash)}). " +
                $"Stop it with `duragent serve stop --port {Port}` (from its workspace), or set another server.port in {_workspace.ConfigFile}.");
        }
    }

    private async Task<Probe> ProbeAsync(CancellationToken cancellationToken)
    {
        using var client = new DuragentClient(BaseUrl, _credentials) { RequestTimeout = ProbeTimeout };
        try
        {
            return new Probe(true, await client.GetReadinessAsync(cancellationToken));
        }
        catch (ServerUnavailableException)
        {
            return new Probe(false, null);
        }
        catch (DuragentApiException)
        {
            return new Probe(true, null);
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

    private sealed record Probe(bool Answered, HealthStatus? Health)
    {
        public bool Ready => Health is not null;
    }
}
