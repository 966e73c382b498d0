using System.CommandLine;
using System.Diagnostics;
using Duragent.Cli.Client;
using Duragent.Cli.Output;
using Duragent.Cli.Serve;
using Duragent.Configuration;
using Duragent.Node;

namespace Duragent.Cli.Commands;

/// <summary><c>duragent serve</c> (host the silo and the HTTP gateway) and <c>serve status|stop|reload-agents</c>.</summary>
internal static class ServeCommand
{
    private static readonly TimeSpan StopWait = TimeSpan.FromSeconds(15);

    public static Command Create(CommandBinder binder)
    {
        var host = new Option<string?>("--host") { Description = "The address to bind (default server.host, 127.0.0.1)", HelpName = "IP", Recursive = true };
        var port = new Option<int?>("--port", "-p") { Description = "The TCP port (default server.port, 8080; 0 picks a free one)", HelpName = "PORT", Recursive = true };
        port.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is { } value && value is < 0 or > 65535)
            {
                result.AddError($"--port must be from 0 to 65535, not {value}.");
            }
        });
        var agentsDir = new Option<string?>("--agents-dir") { Description = "The agents directory (default agents_dir, .duragent/agents)", HelpName = "DIR", Recursive = true };
        var ephemeral = new Option<int?>("--ephemeral") { Description = "Stop after SECONDS without a live session", HelpName = "SECONDS" };
        ephemeral.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is { } value && value <= 0)
            {
                result.AddError($"--ephemeral must be a positive number of seconds, not {value}.");
            }
        });
        var detach = new Option<bool>("--detach") { Description = "Leave the terminal's session (used by the CLI when it starts a server)", Hidden = true };
        var command = new Command("serve", "Run the server: the silo and the HTTP API for this workspace") { host, port, agentsDir, ephemeral, detach };
        binder.Bind(command, (context, cancellationToken) =>
        {
            if (context.GetValue(detach) && !ProcessSession.TryDetach(out var problem))
            {
                context.Console.WriteWarning($"Could not leave the terminal session: {problem}. Ctrl-C in the terminal that started this server may stop it.");
            }

            context.ShowConfigWarnings = true;
            var workspace = context.RequireWorkspace();
            var settings = new ServeSettings(
                ApplyOverrides(workspace.Config, context.GetValue(host), context.GetValue(port), context.GetValue(agentsDir)),
                context.GetValue(ephemeral) is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
                context.GetValue(detach),
                context.Verbosity);
            return ServeHost.RunAsync(settings, context.Console, cancellationToken);
        });

        command.Add(CreateStatus(binder));
        command.Add(CreateStop(binder));
        command.Add(CreateReload(binder));
        return command;
    }

    /// <summary>The configuration with <c>--host</c>, <c>--port</c> and <c>--agents-dir</c> applied.</summary>
    internal static DuragentConfig ApplyOverrides(DuragentConfig config, string? host, int? port, string? agentsDir)
    {
        ArgumentNullException.ThrowIfNull(config);
        var server = config.Server with
        {
            Host = host ?? config.Server.Host,
            Port = port ?? config.Server.Port,
        };
        return config with
        {
            Server = server,
            AgentsDir = agentsDir is null ? config.AgentsDir : Path.GetFullPath(agentsDir),
        };
    }

    private static Command CreateStatus(CommandBinder binder)
    {
        var command = new Command("status", "Show whether this workspace's server (or --gateway) runs: version, pid, workspace, endpoints");
        binder.Bind(command, async (context, cancellationToken) =>
        {
            await using var client = await context.ConnectRunningAsync(cancellationToken);
            if (client is null)
            {
                context.Console.Out.WriteLine(NoServer(context));
                return ExitCodes.Error;
            }

            var status = await client.GetStatusAsync(cancellationToken);
            var output = context.Console.Out;
            output.WriteLine($"Server running (silo {status.SiloAddress})");
            output.WriteLine($"  Status:    {(status.Stopping ? "stopping" : "ok")}");
            output.WriteLine($"  Version:   {status.Version}");
            output.WriteLine($"  PID:       {status.Pid}");
            var ours = File.Exists(context.ConfigPath) || context.Workspace.IsInitialized
                ? string.Equals(status.WorkspaceHash, context.Workspace.Hash, StringComparison.OrdinalIgnoreCase) ? " (this workspace)" : " (another workspace)"
                : string.Empty;
            output.WriteLine($"  Workspace: {status.WorkspaceDirectory}{ours}");
            output.WriteLine($"  Gateway:   {status.Gateway ?? "(none)"} (Orleans)");
            output.WriteLine($"  HTTP:      {(status.HttpAddresses.Count == 0 ? "(none)" : string.Join(", ", status.HttpAddresses))}");
            output.WriteLine($"  Live:      {Names.Count(status.AttachedClients, "attached client")}, {Names.Count(status.RunningTurns, "running turn")}");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command CreateStop(CommandBinder binder)
    {
        var command = new Command("stop", "Stop this workspace's server (or --gateway) gracefully");
        binder.Bind(command, async (context, cancellationToken) =>
        {
            await using var client = await context.ConnectRunningAsync(cancellationToken);
            if (client is null)
            {
                context.Console.Out.WriteLine(NoServer(context));
                return ExitCodes.Success;
            }

            var status = await client.GetStatusAsync(cancellationToken);
            if (context.Gateway is null && !string.Equals(status.WorkspaceHash, context.Workspace.Hash, StringComparison.OrdinalIgnoreCase))
            {
                throw new CliException($"The server at {client.Gateway} serves another workspace ({status.WorkspaceDirectory}); run `duragent serve stop` from there, or pass --gateway {client.Gateway} to stop it anyway.");
            }

            await client.ShutdownAsync(cancellationToken);
            context.Console.Out.WriteLine($"Stopping the server at {client.Gateway} (pid {status.Pid})…");
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < StopWait)
            {
                await Task.Delay(200, cancellationToken);
                if (context.Gateway is null ? !NodeEndpoint.IsRunning(status.Pid) : !await AnswersAsync(context, cancellationToken))
                {
                    context.Console.Out.WriteLine("Server stopped.");
                    return ExitCodes.Success;
                }
            }

            throw new CliException($"The server (pid {status.Pid}) still runs {StopWait.TotalSeconds:0} s after the shutdown request.");
        });
        return command;
    }

    private static Command CreateReload(CommandBinder binder)
    {
        var command = new Command("reload-agents", "Read every agent again");
        command.Aliases.Add("reload");
        binder.Bind(command, async (context, cancellationToken) =>
        {
            await using var client = await context.ConnectRunningAsync(cancellationToken)
                ?? throw new CliException(NoServer(context));
            var result = await client.ReloadAgentsAsync(cancellationToken);
            context.Console.Out.WriteLine($"Reloaded {Names.Count(result.Agents, "agent")}");
            foreach (var error in result.Errors)
            {
                context.Console.Error.WriteLine(error);
            }

            return result.Errors.Count > 0 ? ExitCodes.Error : ExitCodes.Success;
        });
        return command;
    }

    private static string NoServer(CliContext context) =>
        context.Gateway is { } gateway ? $"No server answers at {gateway}" : $"No server running for the workspace {context.Workspace.Directory}";

    // A server given with --gateway may run on another machine: its stop shows as its gateway no longer answering.
    private static async Task<bool> AnswersAsync(CliContext context, CancellationToken cancellationToken)
    {
        try
        {
            await using var client = await context.ConnectRunningAsync(cancellationToken);
            return client is not null && !(await client.GetStatusAsync(cancellationToken)).Stopping;
        }
        catch (ServerUnavailableException)
        {
            return false;
        }
    }
}
