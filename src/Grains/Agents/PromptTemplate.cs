using System.Globalization;
using System.Text;

namespace Duragent.Agents;

/// <summary>
/// Fills in the variables of a prompt file at render time: <c>{{date}}</c> (<c>YYYY-MM-DD</c>, UTC),
/// <c>{{time}}</c> (<c>HH:MM UTC</c>), <c>{{agent.name}}</c> and <c>{{agent.home}}</c> (the agent directory).
/// Spaces inside the braces are allowed (<c>{{ date }}</c>). An unknown <c>{{x}}</c> is left as written and
/// an unclosed <c>{{</c> is copied literally, so prompts that talk about templates survive.
/// </summary>
public static class PromptTemplate
{
    /// <summary>Renders <paramref name="template"/> for <paramref name="agent"/> at <paramref name="now"/>.</summary>
    public static string Render(string template, AgentDefinition agent, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(agent);
        return Render(template, agent.Name, agent.HomeDirectory, now);
    }

    /// <summary>Renders <paramref name="template"/> with the given variable values.</summary>
    public static string Render(string template, string agentName, string agentHome, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(template);
        var open = template.IndexOf("{{", StringComparison.Ordinal);
        if (open < 0)
        {
            return template;
        }

        var utc = now.ToUniversalTime();
        var output = new StringBuilder(template.Length + 32);
        var position = 0;
        while (open >= 0)
        {
            var close = template.IndexOf("}}", open + 2, StringComparison.Ordinal);
            if (close < 0)
            {
                break;
            }

            output.Append(template, position, open - position);
            var name = template.AsSpan(open + 2, close - open - 2).Trim();
            string? value = name switch
            {
                "date" => utc.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                "time" => utc.ToString("HH:mm", CultureInfo.InvariantCulture) + " UTC",
                "agent.name" => agentName,
                "agent.home" => agentHome,
                _ => null,
            };
            if (value is null)
            {
                // Unknown: keep the opening braces and rescan after them, so "{{{{date}}" still finds "{{date}}".
                output.Append("{{");
                position = open + 2;
                open = template.IndexOf("{{", position, StringComparison.Ordinal);
                continue;
            }

            output.Append(value);
            position = close + 2;
            open = template.IndexOf("{{", position, StringComparison.Ordinal);
        }

        output.Append(template, position, template.Length - position);
        return output.ToString();
    }
}
