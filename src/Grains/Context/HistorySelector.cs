using Duragent.Llm;

namespace Duragent.Context;

/// <summary>
/// Chooses the part of a conversation that fits a token budget: whole groups, newest first. A group is a single
/// message, or an assistant message with tool calls together with the results of those calls, so a call is never
/// sent without its results nor a result without its call. The newest group is always kept. When older messages are
/// left out, a system notice <c>[conversation truncated — N older messages omitted]</c> is put first.
/// </summary>
public static class HistorySelector
{
    /// <summary>The notice put before a truncated history; <c>{0}</c> is the number of omitted messages.</summary>
    public const string TruncationNoticeFormat = "[conversation truncated — {0} older messages omitted]";

    /// <summary>The notice for <paramref name="omitted"/> left-out messages.</summary>
    public static ChatMessage TruncationNotice(int omitted) =>
        ChatMessage.System(string.Format(System.Globalization.CultureInfo.InvariantCulture, TruncationNoticeFormat, omitted));

    /// <summary>Selects the newest whole groups of <paramref name="history"/> that fit <paramref name="budgetTokens"/>.</summary>
    public static HistorySelection Select(IReadOnlyList<ChatMessage> history, int budgetTokens)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentOutOfRangeException.ThrowIfNegative(budgetTokens);
        var (groups, dropped) = SplitIntoGroups(history);
        var total = groups.Sum(g => g.Tokens);
        if (total <= budgetTokens)
        {
            return new HistorySelection(groups.SelectMany(g => g.Messages).ToList(), 0, dropped, total);
        }

        // Room for the notice is kept before filling; its size barely depends on the count.
        var room = budgetTokens - TokenEstimator.Estimate(TruncationNotice(history.Count));
        var firstKept = groups.Count - 1;
        var used = groups[^1].Tokens;
        while (firstKept > 0 && used + groups[firstKept - 1].Tokens <= room)
        {
            firstKept--;
            used += groups[firstKept].Tokens;
        }

        var omitted = groups.Take(firstKept).Sum(g => g.Messages.Count);
        var notice = TruncationNotice(omitted);
        var messages = new List<ChatMessage>(1 + groups.Skip(firstKept).Sum(g => g.Messages.Count)) { notice };
        messages.AddRange(groups.Skip(firstKept).SelectMany(g => g.Messages));
        return new HistorySelection(messages, omitted, dropped, used + TokenEstimator.Estimate(notice));
    }

    /// <summary>
    /// Splits <paramref name="history"/> into whole groups, repairing what cannot be sent: results whose call is not in
    /// the history are dropped, and calls without a result are removed from their assistant message (the message
    /// itself goes when nothing is left of it).
    /// </summary>
    internal static (List<Group> Groups, int Dropped) SplitIntoGroups(IReadOnlyList<ChatMessage> history)
    {
        var groups = new List<Group>();
        var dropped = 0;
        for (var i = 0; i < history.Count; i++)
        {
            var message = history[i];
            if (message.Role == ChatRole.Tool)
            {
                dropped++;
                continue;
            }

            if (message.Role != ChatRole.Assistant || message.ToolCalls.Count == 0)
            {
                groups.Add(new Group([message]));
                continue;
            }

            var callIds = message.ToolCalls.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
            var results = new List<ChatMessage>();
            var answered = new HashSet<string>(StringComparer.Ordinal);
            while (i + 1 < history.Count && history[i + 1].Role == ChatRole.Tool)
            {
                var result = history[++i];
                if (result.ToolCallId is { } id && callIds.Contains(id) && answered.Add(id))
                {
                    results.Add(result);
                }
                else
                {
                    dropped++;
                }
            }

            var call = message;
            if (answered.Count < callIds.Count)
            {
                dropped += message.ToolCalls.Count(c => !answered.Contains(c.Id));
                call = message with { ToolCalls = message.ToolCalls.Where(c => answered.Contains(c.Id)).ToList() };
                if (call.ToolCalls.Count == 0 && call.Content.Length == 0)
                {
                    continue;
                }
            }

            groups.Add(new Group([call, .. results]));
        }

        return (groups, dropped);
    }

    internal sealed class Group(IReadOnlyList<ChatMessage> messages)
    {
        public IReadOnlyList<ChatMessage> Messages { get; } = messages;

        public int Tokens { get; } = TokenEstimator.Estimate(messages);
    }
}
