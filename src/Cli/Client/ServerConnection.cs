using Duragent.Cli.Launcher;

namespace Duragent.Cli.Client;

/// <summary>
/// A client and, when the CLI manages the server itself, the launcher that can start it again (the REPL calls
/// <see cref="EnsureRunningAsync"/> before reconnecting after the server went away).
/// </summary>
internal sealed class ServerConnection(DuragentClient client, ServerLauncher? launcher) : IDisposable
{
    public DuragentClient Client { get; } = client;

    /// <summary>True when the server was found or started by the CLI (no <c>--server</c>).</summary>
    public bool IsManaged => launcher is not null;

    /// <summary>Starts the workspace's server again if it stopped; nothing when the server was given with <c>--server</c>.</summary>
    public Task EnsureRunningAsync(CancellationToken cancellationToken) =>
        launcher is null ? Task.CompletedTask : launcher.EnsureServerAsync(cancellationToken);

    public void Dispose() => Client.Dispose();
}
