using System.Globalization;
using System.Text;
using System.Text.Json;
using Duragent.Memory;

namespace Duragent.Tools;

/// <summary>
/// The built-in <c>memory</c> tool, offered when the agent has <c>spec.memory</c>: <c>recall</c>, <c>remember</c>,
/// <c>reflect</c>, <c>update_world</c> and <c>search</c>, each a call on the agent's <see cref="IMemoryGrain"/> (the one
/// writer of its memory). Policy sees each call as <c>memory:&lt;action&gt;</c> (kind <c>builtin</c>). Not idempotent:
/// a <c>remember</c> run twice writes two entries, so a call cut off by a crash is reported, not repeated.
/// </summary>
public sealed class MemoryTool(IGrainFactory grains) : ITool
{
    /// <summary>Default number of days <c>recall</c> covers: 3.</summary>
    public const int DefaultRecallDays = 3;

    /// <summary>Default number of search hits: 5.</summary>
    public const int DefaultSearchResults = 5;

    private static readonly JsonElement Schema = JsonDocument.Parse("""
        {
          "type": "object",
          "properties": {
            "action": { "type": "string", "enum": ["recall", "remember", "reflect", "update_world", "search"] },
            "content": { "type": "string", "description": "remember: the note for today's log. reflect: the WHOLE new curated memory (omit to read it). update_world: the topic's whole new text." },
            "topic": { "type": "string", "description": "update_world: a short topic name such as 'project-alpha'." },
            "days": { "type": "integer", "minimum": 1, "maximum": 30, "description": "recall: how many days of logs (default 3)." },
            "query": { "type": "string", "description": "search: the words to look for across all memory files." },
            "limit": { "type": "integer", "minimum": 1, "maximum": 20, "description": "search: most results (default 5)." }
          },
          "required": ["action"],
          "additionalProperties": false
        }
        """).RootElement.Clone();

    public string Name => Agents.BuiltinToolNames.Memory;

    public string Kind => "builtin";

    public string Description =>
        "Your long-term memory, kept in files across sessions. recall: world knowledge, your curated memory and recent " +
        "daily logs. remember: add a note to today's log. reflect: read, or rewrite in full, your curated memory. " +
        "update_world: replace a shared world-knowledge topic (all agents see it). search: find ranked snippets across " +
        "all memory files.";

    public JsonElement ParametersSchema => Schema;

    public bool Idempotent => false;

    public string DescribeInvocation(JsonElement arguments) =>
        $"{Name}:{(ToolArguments.String(arguments, "action") is { } action && action.Length <= 20 ? action : "?")}";

    public async Task<ToolResult> ExecuteAsync(JsonElement arguments, ToolContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var memory = grains.GetGrain<IMemoryGrain>(context.AgentName);
        try
        {
            switch (ToolArguments.String(arguments, "action"))
            {
                case "recall":
                    return ToolResult.Success(await memory.RecallAsync(ToolArguments.Int(arguments, "days") ?? DefaultRecallDays));
                case "remember":
                    return ToolResult.Success(await memory.RememberAsync(ToolArguments.String(arguments, "content") ?? string.Empty));
                case "reflect":
                    return ToolResult.Success(await memory.ReflectAsync(ToolArguments.String(arguments, "content")));
                case "update_world":
                    if (ToolArguments.String(arguments, "topic") is not { } topic)
                    {
                        return ToolResult.Failure("update_world needs 'topic': a short name such as 'project-alpha'.");
                    }

                    return ToolResult.Success(await memory.UpdateWorldAsync(topic, ToolArguments.String(arguments, "content") ?? string.Empty));
                case "search":
                    var hits = await memory.SearchAsync(ToolArguments.String(arguments, "query") ?? string.Empty, ToolArguments.Int(arguments, "limit") ?? DefaultSearchResults);
                    return ToolResult.Success(Format(hits));
                default:
                    return ToolResult.Failure("The memory tool needs 'action': recall, remember, reflect, update_world or search.");
            }
        }
        catch (MemoryException ex)
        {
            return ToolResult.Failure(ex.Message);
        }
    }

    private static string Format(IReadOnlyList<MemorySnippet> hits)
    {
        if (hits.Count == 0)
        {
            return "No memory matches.";
        }

        var text = new StringBuilder();
        foreach (var hit in hits)
        {
            text.Append(CultureInfo.InvariantCulture, $"[{hit.Location}:{hit.Line}] (score {hit.Score:0.###})\n{hit.Text}\n\n");
        }

        return text.ToString().TrimEnd();
    }

}
