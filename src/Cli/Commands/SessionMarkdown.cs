using System.Text;
using Duragent.Cli.Output;
using Duragent.Sessions;

namespace Duragent.Cli.Commands;

/// <summary>A session's conversation as a Markdown document (<c>duragent session export --format markdown</c>).</summary>
internal static class SessionMarkdown
{
    public static string Render(SessionInfo session, IEnumerable<SessionMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(messages);
        var text = new StringBuilder();
        text.Append("# Session ").Append(session.SessionId).Append("\n\n");
        text.Append("- Agent: ").Append(session.Agent).Append('\n');
        text.Append("- Status: ").Append(Names.Status(session.Status)).Append('\n');
        text.Append("- Created: ").Append(Names.Time(session.CreatedAt)).Append('\n');
        text.Append("- Updated: ").Append(Names.Time(session.UpdatedAt)).Append('\n');
        foreach (var message in messages)
        {
            text.Append('\n');
            switch (message.Role)
            {
                case "tool":
                    text.Append("**Tool result** (`").Append(message.ToolName).Append('`');
                    if (message.Interrupted)
                    {
                        text.Append(", interrupted");
                    }

                    text.Append("):\n\n").Append(Fence(message.Content)).Append('\n');
                    break;
                default:
                    text.Append("## ").Append(Title(message.Role)).Append(" · ").Append(Names.Time(message.Timestamp)).Append("\n\n");
                    if (message.Content.Length > 0)
                    {
                        text.Append(message.Content.TrimEnd()).Append('\n');
                    }

                    foreach (var call in message.ToolCalls ?? [])
                    {
                        text.Append("\n**Tool call** `").Append(call.Name).Append("`:\n\n").Append(Fence(call.Arguments, "json")).Append('\n');
                    }

                    break;
            }
        }

        return text.ToString();
    }

    private static string Title(string role) => role.Length == 0 ? role : char.ToUpperInvariant(role[0]) + role[1..];

    // A fence longer than any backtick run inside, so content cannot close it.
    private static string Fence(string content, string language = "")
    {
        var longest = 0;
        var run = 0;
        foreach (var c in content)
        {
            run = c == '`' ? run + 1 : 0;
            longest = Math.Max(longest, run);
        }

        var fence = new string('`', Math.Max(3, longest + 1));
        return $"{fence}{language}\n{content.TrimEnd('\n')}\n{fence}\n";
    }
}
