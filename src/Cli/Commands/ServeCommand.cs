using System.CommandLine;
using System.Diagnostics;
using Duragent.Cli.Client;
using Duragent.Cli.Output;
using Duragent.Cli.Serve;
using Duragent.Configuration;

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

        command.Add(CreateStatus(binder, port));
        command.Add(CreateStop(binder, port));
        command.Add(CreateReload(binder, port));
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

    private static Command CreateStatus(CommandBinder binder, Option<int?> port)
    {
        var command = new Command("status", "Show whether a server answers, its version, pid and workspace");
        binder.Bind(command, async (context, cancellationToken) =>
        {
            using var client = context.CreateLocalClient(context.GetValue(port));
            HealthStatus health;
            try
            {
                health = await client.GetReadinessAsync(cancellationToken);
            }
            catch (ServerUnavailableException)
            {
                context.Console.Out.WriteLine($"No server running on {client.BaseUrl}");
                return ExitCodes.Error;
            }

            var output = context.Console.Out;
            output.WriteLine($"Server running on {client.BaseUrl}");
            output.WriteLine($"  Status:    {health.Status}");
            output.WriteLine($"  Version:   {health.Version}");
            output.WriteLine($"  PID:       {health.Pid}");
            var ours = File.Exists(context.ConfigPath) || context.Workspace.IsInitialized
                ? string.Equals(health.WorkspaceHash, context.Workspace.Hash, StringComparison.OrdinalIgnoreCase) ? " (this workspace)" : " (another workspace)"
                : string.Empty;
            output.WriteLine($"  Workspace: {health.WorkspaceHash}{ours}");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command CreateStop(CommandBinder binder, Option<int?> port)
    {
        var command = new Command("stop", "Stop the server gracefully (admin API; sends the admin token)");
        binder.Bind(command, async (context, cancellationToken) =>
        {
            using var client = context.CreateLocalClient(context.GetValue(port));
            HealthStatus health;
            try
            {
                health = await client.GetReadinessAsync(cancellationToken);
            }
            catch (ServerUnavailableException)
            {
                context.Console.Out.WriteLine($"No server running on {client.BaseUrl}");
                return ExitCodes.Success;
            }

            if (context.ServerUrl is null && !string.Equals(health.WorkspaceHash, context.Workspace.Hash, StringComparison.OrdinalIgnoreCase))
            {
                throw new CliException($"The server on {client.BaseUrl} serves another workspace; run `duragent serve stop` from its workspace, or pass --server {client.BaseUrl} to stop it anyway.");
            }

            await client.ShutdownAsync(cancellationToken);
            context.Console.Out.WriteLine($"Stopping the server on {client.BaseUrl} (pid {health.Pid})…");
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < StopWait)
            {
                await Task.Delay(200, cancellationToken);
                try
                {
                    await client.GetReadinessAsync(cancellationToken);
                }
                catch (ServerUnavailableException)
                {
                    context.Console.Out.WriteLine("Server stopped.");
                    return ExitCodes.Success;
                }
                catch (DuragentApiException)
                {
                    // 503 while it drains.
                }
            }

            throw new CliException($"The server on {client.BaseUrl} still answers {StopWait.TotalSeconds:0} s after the shutdown request.");
        });
        return command;
    }

    private static Command CreateReload(CommandBinder binder, Option<int?> port)
    {
        var command = new Command("reload-agents", "Read every agent again (admin API)");
        command.Aliases.Add("reload");
        binder.Bind(command, async (context, cancellationToken) =>
        {
            using var client = context.CreateLocalClient(context.GetValue(port));
            var result = await client.ReloadAgentsAsync(cancellationToken);
            context.Console.Out.WriteLine($"Reloaded {Names.Count(result.Agents, "agent")}");
            foreach (var error in result.Errors ?? [])
            {
                context.Console.Error.WriteLine(error);
            }

            return result.Errors is { Count: > 0 } ? ExitCodes.Error : ExitCodes.Success;
        });
        return command;
    }
}
