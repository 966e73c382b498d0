using System.CommandLine;
using System.Globalization;
using System.Text;
using Duragent.Cli.Client;
using Duragent.Cli.Output;
using Duragent.Sessions;

namespace Duragent.Cli.Commands;

/// <summary><c>duragent session list|show|delete|export</c>.</summary>
internal static class SessionCommand
{
    private const int ShowRecentMessages = 10;
    private const int PageSize = 500;

    public static Command Create(CommandBinder binder)
    {
        var command = new Command("session", "List, inspect, delete and export sessions");
        command.Add(CreateList(binder));
        command.Add(CreateShow(binder));
        command.Add(CreateDelete(binder));
        command.Add(CreateExport(binder));
        return command;
    }

    private static Command CreateList(CommandBinder binder)
    {
        var command = new Command("list", "List every session of the server");
        binder.Bind(command, async (context, cancellationToken) =>
        {
            await using var connection = await context.ConnectAsync(cancellationToken);
            var sessions = await connection.Client.ListSessionsAsync(cancellationToken);
            if (sessions.Count == 0)
            {
                context.Console.Out.WriteLine("No sessions.");
                return ExitCodes.Success;
            }

            WriteTable(context.Console.Out, sessions);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command CreateShow(CommandBinder binder)
    {
        var id = SessionIdArgument();
        var command = new Command("show", "Show a session's state and its recent messages") { id };
        binder.Bind(command, async (context, cancellationToken) =>
        {
            await using var connection = await context.ConnectAsync(cancellationToken);
            var sessionId = context.GetValue(id)!;
            var session = await connection.Client.GetSessionAsync(sessionId, cancellationToken);
            var output = context.Console.Out;
            output.WriteLine($"Session:   {session.SessionId}");
            output.WriteLine($"Agent:     {session.Agent}");
            output.WriteLine($"Status:    {Names.Status(session.Status)}");
            output.WriteLine($"Created:   {Names.Time(session.CreatedAt)}");
            output.WriteLine($"Updated:   {Names.Time(session.UpdatedAt)}");
            output.WriteLine($"Messages:  {session.MessageCount}");
            output.WriteLine($"Events:    {session.LastSeq}");
            output.WriteLine($"On disconnect: {Names.OnDisconnect(session.OnDisconnect)}");
            output.WriteLine($"Attached clients: {session.AttachedClients}");
            if (session.PendingApproval is { } pending)
            {
                output.WriteLine($"Pending approval: {pending.Tool}: {pending.Command} (call {pending.CallId})");
            }

            if (session.LastError is { } error)
            {
                output.WriteLine($"Last error: {error}");
            }

            var page = await connection.Client.GetMessagesAsync(sessionId, new MessageQuery(ShowRecentMessages, NewestFirst: true), cancellationToken);
            if (page.Messages.Count > 0)
            {
                output.WriteLine();
                output.WriteLine("Recent messages:");
                foreach (var message in page.Messages.Reverse())
                {
                    output.WriteLine("  " + Names.MessageLine(message, 200));
                }
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command CreateDelete(CommandBinder binder)
    {
        var id = SessionIdArgument();
        var command = new Command("delete", "End a session and delete everything stored for it") { id };
        binder.Bind(command, async (context, cancellationToken) =>
        {
            await using var connection = await context.ConnectAsync(cancellationToken);
            var sessionId = context.GetValue(id)!;
            await connection.Client.DeleteSessionAsync(sessionId, cancellationToken);
            context.Console.Out.WriteLine($"Deleted session {sessionId}");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command CreateExport(CommandBinder binder)
    {
        var id = SessionIdArgument();
        var format = new Option<string>("--format") { Description = "jsonl: every stored event, one JSON per line; markdown: the conversation", DefaultValueFactory = _ => "jsonl", HelpName = "FORMAT" };
        format.AcceptOnlyFromAmong("jsonl", "markdown");
        var output = new Option<string?>("--output", "-o") { Description = "Write to FILE instead of stdout", HelpName = "FILE" };
        var command = new Command("export", "Export a session's events (jsonl) or conversation (markdown)") { id, format, output };
        binder.Bind(command, async (context, cancellationToken) =>
        {
            await using var connection = await context.ConnectAsync(cancellationToken);
            var sessionId = context.GetValue(id)!;
            var target = context.GetValue(output);
            var text = context.GetValue(format) == "markdown"
                ? await ExportMarkdownAsync(connection.Client, sessionId, cancellationToken)
                : await ExportJsonLinesAsync(connection.Client, sessionId, cancellationToken);
            if (target is null)
            {
                context.Console.Out.Write(text);
            }
            else
            {
                await File.WriteAllTextAsync(target, text, new UTF8Encoding(false), cancellationToken);
                context.Console.Error.WriteLine($"Wrote {Path.GetFullPath(target)}");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    internal static void WriteTable(TextWriter writer, IEnumerable<SessionInfo> sessions)
    {
        var table = new TextTable("SESSION ID", "AGENT", "STATUS", "MESSAGES", "UPDATED");
        foreach (var session in sessions.OrderByDescending(s => s.UpdatedAt))
        {
            table.AddRow(session.SessionId, session.Agent, Names.Status(session.Status), session.MessageCount.ToString(CultureInfo.InvariantCulture), Names.Time(session.UpdatedAt));
        }

        table.WriteTo(writer);
    }

    private static async Task<string> ExportJsonLinesAsync(DuragentClient client, string sessionId, CancellationToken cancellationToken)
    {
        await client.GetSessionAsync(sessionId, cancellationToken);
        var text = new StringBuilder();
        long after = 0;
        while (true)
        {
            var page = await client.GetEventsAsync(sessionId, after, PageSize, cancellationToken);
            foreach (var envelope in page.Events)
            {
                text.Append(Encoding.UTF8.GetString(envelope.Json.Span)).Append('\n');
            }

            if (!page.HasMore || page.NextAfter <= after)
            {
                return text.ToString();
            }

            after = page.NextAfter;
        }
    }

    private static async Task<string> ExportMarkdownAsync(DuragentClient client, string sessionId, CancellationToken cancellationToken)
    {
        var session = await client.GetSessionAsync(sessionId, cancellationToken);
        var messages = new List<SessionMessage>();
        long? after = null;
        while (true)
        {
            var page = await client.GetMessagesAsync(sessionId, new MessageQuery(PageSize, AfterSeq: after, IncludeTools: true), cancellationToken);
            messages.AddRange(page.Messages);
            if (!page.HasMore || page.NextCursor is null || page.NextCursor == after)
            {
                return SessionMarkdown.Render(session, messages);
            }

            after = page.NextCursor;
        }
    }

    private static Argument<string> SessionIdArgument() => new("ID") { Description = "The session id (session_…)" };
}
