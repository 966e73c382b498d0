using System.Text.Json;
using Duragent.Agents;
using Duragent.Sessions;

namespace Duragent.Tools;

/// <summary>
/// Which skill is active in a session's running turn, and whether it lets a tool run. A skill becomes active when a
/// <c>skill</c> call with action <c>load</c> succeeds, and stays active until another skill is loaded, <c>unload</c>
/// succeeds, or the turn ends. It is read from the turn's recorded conversation, so it survives a restart of the silo
/// like everything else the turn did.
/// </summary>
public static class SkillActivation
{
    /// <summary>A parsed <c>skill</c> call: its action and, for <c>load</c>, the skill's name.</summary>
    public sealed record Request(string Action, string? Skill);

    /// <summary>The <c>skill</c> call's arguments, or null when they are not a load or unload.</summary>
    public static Request? Parse(JsonElement arguments)
    {
        if (arguments.ValueKind != JsonValueKind.Object || !arguments.TryGetProperty("action", out var action) || action.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        var name = arguments.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
        return action.GetString() switch
        {
            "load" when name is not null => new Request("load", name),
            "unload" => new Request("unload", null),
            _ => null,
        };
    }

    /// <summary>The name of the skill active in the running turn of <paramref name="state"/>; null when none.</summary>
    public static string? Active(SessionState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Turn is not { } turn)
        {
            return null;
        }

        var calls = new Dictionary<string, string>(StringComparer.Ordinal);
        string? active = null;
        foreach (var entry in state.Conversation)
        {
            if (entry.Seq < turn.TriggerSeq)
            {
                continue;
            }

            if (entry.Role == "assistant" && entry.ToolCalls is { } toolCalls)
            {
                foreach (var call in toolCalls.Where(c => c.Name == BuiltinToolNames.Skill))
                {
                    calls[call.Id] = call.Arguments;
                }
            }
            else if (entry.Role == "tool" && !entry.IsError && entry.ToolCallId is { } id && calls.TryGetValue(id, out var json))
            {
                try
                {
                    using var document = JsonDocument.Parse(json);
                    if (Parse(document.RootElement) is { } request)
                    {
                        active = request.Action == "load" ? request.Skill : null;
                    }
                }
                catch (JsonException)
                {
                    // A call whose arguments do not parse did not succeed; it changes nothing.
                }
            }
        }

        return active;
    }

    /// <summary>
    /// Why <paramref name="tool"/> may not run while <paramref name="activeSkill"/> of <paramref name="agent"/> is active,
    /// or null when it may (no active skill, no <c>allowed-tools</c>, the tool is listed, or it is the <c>skill</c> tool).
    /// </summary>
    public static string? Refusal(AgentDefinition agent, string? activeSkill, string tool)
    {
        ArgumentNullException.ThrowIfNull(agent);
        if (activeSkill is null || string.Equals(tool, BuiltinToolNames.Skill, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var skill = agent.Skills.FirstOrDefault(s => s.Name == activeSkill);
        if (skill?.AllowedTools is not { } allowed || allowed.Contains(tool, StringComparer.OrdinalIgnoreCase))
        {
            return null;
        }

        var list = allowed.Count == 0 ? "no tools" : string.Join(", ", allowed);
        return $"The tool call was refused: the active skill '{skill.Name}' allows only {list} (its allowed-tools). " +
            "Finish the skill's task with those, or call skill with action unload first.";
    }
}
