using System.CommandLine;
using Duragent.Agents;
using Duragent.Cli.Client;
using Duragent.Cli.Repl;
using Duragent.Sessions;

namespace Duragent.Cli.Commands;

/// <summary><c>duragent chat [-a NAME] [--session ID]</c>: a new session (or an existing one) in the REPL.</summary>
internal static class ChatCommand
{
    public static Command Create(CommandBinder binder)
    {
        var agent = new Option<string?>("--agent", "-a") { Description = "The agent to talk to (default: the only agent, if there is one)", HelpName = "NAME" };
        var session = new Option<string?>("--session") { Description = "Continue this session instead of starting one", HelpName = "ID" };
        var command = new Command("chat", "Start a session with an agent and talk to it") { agent, session };
        binder.Bind(command, async (context, cancellationToken) =>
        {
            await using var connection = await context.ConnectAsync(cancellationToken);
            var client = connection.Client;
            var agentName = context.GetValue(agent);
            SessionInfo info;
            if (context.GetValue(session) is { } sessionId)
            {
                info = await client.GetSessionAsync(sessionId, cancellationToken);
                if (agentName is not null && agentName != info.Agent)
                {
                    throw new CliException($"Session {sessionId} belongs to agent '{info.Agent}', not '{agentName}'.", ExitCodes.Usage);
                }

                if (info.Status == SessionStatus.Completed)
                {
                    throw new CliException($"Session {sessionId} is completed; start a new one with `duragent chat --agent {info.Agent}`.");
                }

                agentName = info.Agent;
            }
            else
            {
                agentName ??= await PickAgentAsync(client, cancellationToken);
                await GetAgentOrExplainAsync(client, agentName, cancellationToken);
                info = await client.CreateSessionAsync(agentName, cancellationToken: cancellationToken);
            }

            var detail = await TryGetAgentAsync(client, agentName, cancellationToken);
            var host = new ReplHost(context.Console);
            host.WriteHeader("duragent chat", [
                $"Agent: {agentName}" + (detail?.Metadata.Description is { } description ? $" — {description}" : string.Empty),
                detail is null ? "Model: (agent unavailable)" : $"Model: {detail.Spec.Model.Name} via {detail.Spec.Model.Provider}",
                $"Session: {info.SessionId}",
                "/help for commands · Ctrl-D or /exit to detach",
            ]);
            return await host.RunAsync(connection, info, info.LastSeq, resume: false, cancellationToken);
        });
        return command;
    }

    private static async Task<string> PickAgentAsync(DuragentClient client, CancellationToken cancellationToken)
    {
        var agents = await client.ListAgentsAsync(cancellationToken);
        var valid = agents.Where(a => a.Valid).Select(a => a.Name).ToList();
        return valid.Count switch
        {
            1 => valid[0],
            0 => throw new CliException("No usable agent in this workspace. Create one with `duragent agent create NAME`, or check them with `duragent agent validate`."),
            _ => throw new CliException($"Choose an agent with --agent: {string.Join(", ", valid)}.", ExitCodes.Usage),
        };
    }

    private static async Task GetAgentOrExplainAsync(DuragentClient client, string name, CancellationToken cancellationToken)
    {
        var lookup = await client.GetAgentAsync(name, cancellationToken);
        if (lookup.Detail is not null)
        {
            return;
        }

        if (lookup.Exists)
        {
            throw new CliException($"Agent '{name}' fails to load ({Output.Names.Count(lookup.Errors.Count, "error")}):{Environment.NewLine}{string.Join(Environment.NewLine, lookup.Errors.Select(e => "  " + e))}");
        }

        var agents = await client.ListAgentsAsync(cancellationToken);
        var names = agents.Select(a => a.Valid ? a.Name : a.Name + " (invalid)").ToList();
        throw new CliException(names.Count == 0
            ? $"Agent '{name}' not found, and the workspace has no agents. Create one with `duragent agent create {name}`."
            : $"Agent '{name}' not found. Available: {string.Join(", ", names)}.");
    }

    internal static async Task<AgentDetail?> TryGetAgentAsync(DuragentClient client, string name, CancellationToken cancellationToken)
    {
        try
        {
            return (await client.GetAgentAsync(name, cancellationToken)).Detail;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}
