using System.Text;
using Duragent.Sessions;
using Duragent.Sessions.Events;

namespace Duragent.Grains.Tests.Sessions;

/// <summary>
/// Checks a session's whole event log for the rule "every acknowledged user message is eventually seen by an LLM call
/// or given an explicit, recorded outcome":
/// <list type="bullet">
/// <item>seen: a later <c>llm_call_started</c> whose request contained the message. The request is built from the
/// conversation as folded just before that event (messages deferred behind unanswered tool calls are not in it), so
/// the checker folds the log with <see cref="SessionProjection"/> and looks at the conversation at that point;</item>
/// <item>named: a later <c>turn_completed</c> whose <c>unanswered_message_ids</c> holds the message id.</item>
/// </list>
/// Meant for a log that has settled (no turn running or parked).
/// </summary>
internal static class AnsweredMessagesChecker
{
    /// <summary>One line per message that is neither seen nor named; empty when the rule holds.</summary>
    public static IReadOnlyList<string> Violations(IReadOnlyList<SessionEventEnvelope> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var state = new SessionState();
        var pending = new List<(long Seq, string MessageId, string Content)>();
        var violations = new List<string>();
        foreach (var envelope in events)
        {
            switch (envelope.Event)
            {
                case LlmCallStarted:
                    pending.RemoveAll(p => state.Conversation.Exists(c => c.Role == "user" && c.MessageId == p.MessageId));
                    break;
                case TurnCompleted { UnansweredMessageIds: { Count: > 0 } named }:
                    pending.RemoveAll(p => named.Contains(p.MessageId));
                    break;
            }

            SessionProjection.Apply(state, envelope);
            if (envelope.Event is UserMessage message)
            {
                pending.Add((envelope.Seq, message.MessageId, message.Content));
            }
        }

        foreach (var (seq, id, content) in pending)
        {
            violations.Add($"user_message {id} (seq {seq}, \"{content}\") was never in an LLM call's request and no turn_completed names it");
        }

        return violations;
    }

    /// <summary>The log, one short line per event, for failure messages.</summary>
    public static string Describe(IReadOnlyList<SessionEventEnvelope> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var text = new StringBuilder();
        foreach (var e in events)
        {
            if (e.Event is AssistantDelta)
            {
                continue;
            }

            text.Append(e.Seq).Append(' ').Append(e.Event switch
            {
                UserMessage m => $"user_message {m.MessageId} \"{m.Content}\"",
                TurnStarted t => $"turn_started {t.TurnId} trigger={t.TriggerSeq}{(t.Resumed ? " resumed" : string.Empty)}",
                LlmCallStarted c => $"llm_call_started #{c.Iteration} attempt {c.Attempt}",
                AssistantMessage a => $"assistant_message #{a.Iteration} calls={a.ToolCalls?.Count ?? 0}{(a.Interrupted ? " interrupted" : string.Empty)}",
                LlmCallFailed f => $"llm_call_failed {f.Code} retry={f.WillRetry}",
                ToolCallRequested r => $"tool_call_requested {r.CallId} {r.Verdict} '{r.Command}'",
                ApprovalDecided d => $"approval_decided {d.CallId} {d.Decision}",
                ToolFinished f => $"tool_finished {f.CallId} {f.Status}",
                TurnCompleted t => $"turn_completed {t.TurnId} {t.Outcome} unanswered=[{string.Join(",", t.UnansweredMessageIds ?? [])}]",
                StatusChanged s => $"status_changed {s.From} -> {s.To} ({s.Reason})",
                SessionError err => $"error {err.Code}",
                _ => e.Type,
            }).Append('\n');
        }

        return text.ToString();
    }
}
