using System.CommandLine;
using Duragent.Cli.Output;
using Duragent.Cli.Repl;
using Duragent.Sessions;

namespace Duragent.Cli.Commands;

/// <summary>
/// <c>duragent attach [ID] [--list] [--resume]</c>: reattach to a session (header, recent messages, then the live
/// stream with a running turn's text from its start), or list the sessions one can attach to.
/// </summary>
internal static class AttachCommand
{
    /// <summary>Messages shown under the header: 6.</summary>
    public const int RecentMessages = 6;

    public static Command Create(CommandBinder binder)
    {
        var id = new Argument<string?>("ID") { Description = "The session to attach to (none: list them)", Arity = ArgumentArity.ZeroOrOne };
        var list = new Option<bool>("--list", "-l") { Description = "List the sessions one can attach to" };
        var resume = new Option<bool>("--resume") { Description = "Resume a paused turn at once" };
        var command = new Command("attach", "Reattach to a session, or list attachable sessions") { id, list, resume };
        binder.Bind(command, async (context, cancellationToken) =>
        {
            await using var connection = await context.ConnectAsync(cancellationToken);
            var client = connection.Client;
            var sessionId = context.GetValue(id);
            if (sessionId is null || context.GetValue(list))
            {
                var sessions = (await client.ListSessionsAsync(cancellationToken)).Where(s => s.Status != SessionStatus.Completed).ToList();
                if (sessions.Count == 0)
                {
                    context.Console.Out.WriteLine("No attachable sessions found.");
                }
                else
                {
                    SessionCommand.WriteTable(context.Console.Out, sessions);
                }

                return ExitCodes.Success;
            }

            var info = await client.GetSessionAsync(sessionId, cancellationToken);
            if (info.Status == SessionStatus.Completed)
            {
                throw new CliException($"Session {sessionId} is completed; it cannot be attached. Start a new one with `duragent chat --agent {info.Agent}`.");
            }

            var detail = await ChatCommand.TryGetAgentAsync(client, info.Agent, cancellationToken);
            var recent = await client.GetMessagesAsync(sessionId, new MessageQuery(RecentMessages, NewestFirst: true), cancellationToken);
            var host = new ReplHost(context.Console);
            host.WriteHeader("duragent attach", [
                $"Session: {info.SessionId}",
                $"Agent: {info.Agent}" + (detail is null ? " (agent unavailable)" : $" ({detail.Spec.Model.Name} via {detail.Spec.Model.Provider})"),
                $"Status: {Names.Status(info.Status)} · {Names.Count(info.MessageCount, "message")}",
                "/help for commands · Ctrl-D or /exit to detach",
            ]);
            var shown = recent.Messages.OrderBy(m => m.Seq).ToList();
            if (shown.Count > 0)
            {
                host.Screen.WriteLine("Recent:", ReplStyle.Dim);
                foreach (var message in shown)
                {
                    host.Screen.WriteLine("  " + Names.MessageLine(message, host.Width - 2), message.Role == "user" ? ReplStyle.Dim : ReplStyle.Plain);
                }
            }

            // Replay what followed the last message shown: a running turn's text so far, then live.
            var afterSeq = shown.Count > 0 ? shown[^1].Seq : info.LastSeq;
            return await host.RunAsync(connection, info, afterSeq, context.GetValue(resume), cancellationToken);
        });
        return command;
    }
}
