using Duragent.Agents;
using Duragent.Context;
using Duragent.Llm;
using Duragent.Tools;

namespace Duragent.Sessions;

/// <summary>
/// Turns a session's conversation into the request the model gets: the agent's system prompt, the tools, and as much
/// of the history as the context window allows (newest first, whole tool-call groups, older results of the running
/// turn masked).
/// </summary>
public static class SessionHistory
{
    /// <summary>Call ids of the latest complete assistant message of <paramref name="conversation"/> that have no result.</summary>
    public static List<string> OpenToolCalls(IReadOnlyList<ConversationEntry> conversation)
    {
        ArgumentNullException.ThrowIfNull(conversation);
        for (var i = conversation.Count - 1; i >= 0; i--)
        {
            var entry = conversation[i];
            if (entry.Role == "assistant" && !entry.Interrupted)
            {
                var open = entry.ToolCalls?.Select(c => c.Id).ToList() ?? [];
                for (var j = i + 1; j < conversation.Count; j++)
                {
                    if (conversation[j].Role == "tool")
                    {
                        open.Remove(conversation[j].ToolCallId ?? string.Empty);
                    }
                }

                return open;
            }
        }

        return [];
    }

    /// <summary>
    /// Builds the request for the next LLM call of the session's turn, with <paramref name="system"/> (assembled by
    /// <see cref="AgentPromptSources"/>) as its system message, unchanged.
    /// </summary>
    public static LlmRequest BuildRequest(SessionState state, AgentDefinition agent, AgentToolbox toolbox, string system)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(toolbox);
        ArgumentNullException.ThrowIfNull(system);
        var context = agent.Session.Context;

        var earlier = new List<ChatMessage>();
        var turn = new List<ChatMessage>();
        var turnStart = state.Turn?.TriggerSeq ?? long.MaxValue;
        foreach (var entry in state.Conversation)
        {
            if (ToChatMessage(entry) is { } message)
            {
                (entry.Seq >= turnStart ? turn : earlier).Add(message);
            }
        }

        var history = new List<ChatMessage>(earlier.Count + turn.Count);
        history.AddRange(earlier);
        history.AddRange(turn.Count > 0 ? ToolResultMasker.Mask(turn, context.ToolResultKeepFirst, context.ToolResultKeepLast) : turn);

        var budget = ContextBudget.Compute(
            ModelContextWindows.Resolve(agent.Model.MaxInputTokens, agent.Model.Name),
            TokenEstimator.Estimate(system),
            TokenEstimator.Estimate(toolbox.Definitions),
            agent.Model.MaxOutputTokens,
            context.MaxHistoryTokens);
        var selection = HistorySelector.Select(history, budget.History);

        var messages = new List<ChatMessage>(selection.Messages.Count + 2) { ChatMessage.System(system) };
        if (selection.OmittedCount > 0)
        {
            messages.Add(HistorySelector.TruncationNotice(selection.OmittedCount));
        }

        messages.AddRange(selection.Messages);
        return new LlmRequest(agent.Model.Name, messages)
        {
            Tools = toolbox.Definitions,
            Temperature = agent.Model.Temperature,
            MaxOutputTokens = agent.Model.MaxOutputTokens,
        };
    }

    /// <summary>Cuts a tool result to the agent's limit; returns the text the model (and the log) will keep.</summary>
    public static (string Content, bool Truncated) TruncateToolResult(string content, int maxTokens, ToolResultTruncation mode)
    {
        ArgumentNullException.ThrowIfNull(content);
        var kept = ToolResultTruncator.Truncate(content, maxTokens, mode);
        return (kept, !ReferenceEquals(kept, content) && kept != content);
    }

    private static ChatMessage? ToChatMessage(ConversationEntry entry)
    {
        if (entry.Interrupted)
        {
            return null;
        }

        return entry.Role switch
        {
            "user" => ChatMessage.User(entry.SenderName is { Length: > 0 } sender ? $"{sender}: {entry.Content}" : entry.Content),
            "assistant" => ChatMessage.Assistant(entry.Content, entry.ToolCalls?.Select(c => new ToolCall(c.Id, c.Name, c.Arguments)).ToList()),
            "tool" when entry.ToolCallId is { Length: > 0 } id => ChatMessage.ToolResult(id, entry.Content, entry.IsError),
            _ => null,
        };
    }
}
