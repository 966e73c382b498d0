using Duragent.Sessions.Events;

namespace Duragent.Sessions;

/// <summary>
/// Folds session events into <see cref="SessionState"/>. The only code that changes session state: the grain applies
/// each event right after it is durable, and activation replays the log tail through the same function.
/// </summary>
public static class SessionProjection
{
    /// <summary>How many idempotency keys a session remembers: 100.</summary>
    public const int RememberedClientMessages = 100;

    /// <summary>
    /// Applies one event. Events at or below <see cref="SessionState.LastSeq"/> are ignored (already folded). Seqs
    /// need not be consecutive: the log skips seqs a crash took after they were reserved, and the grain does not fold
    /// text deltas as they stream (the log checks that its seqs follow each other).
    /// </summary>
    public static void Apply(SessionState state, SessionEventEnvelope envelope)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(envelope);
        if (envelope.Seq <= state.LastSeq)
        {
            return;
        }

        var ts = envelope.Timestamp;
        switch (envelope.Event)
        {
            case SessionStarted e:
                state.Agent = e.Agent;
                state.OnDisconnect = e.OnDisconnect;
                state.Source = e.Source;
                state.Gateway = e.Gateway;
                state.ChatId = e.ChatId;
                state.CreatedAt = ts;
                state.Status = SessionStatus.Active;
                break;

            case UserMessage e:
                var user = new ConversationEntry
                {
                    Seq = envelope.Seq,
                    Role = "user",
                    Content = e.Content,
                    Timestamp = ts,
                    MessageId = e.MessageId,
                    SenderName = e.SenderName,
                };
                if (!state.HistoryLoaded)
                {
                    // Rebuilt from the log when needed (SessionState remarks).
                }
                else if (HasUnansweredToolCalls(state))
                {
                    state.Deferred.Add(user);
                }
                else
                {
                    state.Conversation.Add(user);
                }

                state.MessageCount++;
                if (e.ClientMessageId is not null && state.HistoryLoaded)
                {
                    state.RecentClientMessages.Add(new ClientMessageRef { ClientMessageId = e.ClientMessageId, MessageId = e.MessageId, Seq = envelope.Seq });
                    if (state.RecentClientMessages.Count > RememberedClientMessages)
                    {
                        state.RecentClientMessages.RemoveAt(0);
                    }
                }

                break;

            case TurnStarted e:
                if (!e.Resumed || state.Turn is null)
                {
                    state.Turn = new TurnState { TurnId = e.TurnId, TriggerSeq = e.TriggerSeq, StartedAt = ts };
                }

                break;

            case LlmCallStarted e:
                if (state.Turn is { } turn)
                {
                    turn.LlmCallInFlight = true;
                    turn.LlmAttempt = e.Attempt;
                    turn.LlmCallStartedSeq = envelope.Seq;
                    turn.LastLlmFailure = null;
                }

                break;

            case AssistantMessage e:
                if (!e.Interrupted)
                {
                    state.OpenToolCalls = e.ToolCalls is { Count: > 0 } open ? open.Select(c => c.Id).ToList() : [];
                }

                if (state.HistoryLoaded)
                {
                    InsertReply(state, envelope, e);
                }

                state.MessageCount++;
                if (e.Usage is { } usage)
                {
                    state.InputTokens += usage.InputTokens;
                    state.OutputTokens += usage.OutputTokens;
                }

                if (state.Turn is { } current)
                {
                    current.LlmCallInFlight = false;
                    current.LlmAttempt = 0;
                    current.LastLlmFailure = null;
                    if (!e.Interrupted)
                    {
                        current.Iteration++;
                        current.LastAssistantMessageId = e.MessageId;
                        current.Calls.Clear();
                    }

                    if (e.Usage is { } turnUsage)
                    {
                        current.InputTokens += turnUsage.InputTokens;
                        current.OutputTokens += turnUsage.OutputTokens;
                    }
                }

                break;

            case LlmCallFailed e:
                if (state.Turn is { } failing)
                {
                    failing.LlmCallInFlight = false;
                    failing.LastLlmFailure = e.Code;
                }

                state.LastError = e.Message;
                break;

            case ToolCallRequested e:
                state.Turn?.Calls.Add(new TurnToolCall
                {
                    CallId = e.CallId,
                    Tool = e.Tool,
                    Arguments = e.Arguments,
                    Idempotent = e.Idempotent,
                    Verdict = e.Verdict ?? "allow",
                    Command = e.Command ?? string.Empty,
                    RequestedAt = ts,
                });
                break;

            case ApprovalRequired e:
                if (FindCall(state, e.CallId) is { } waiting)
                {
                    waiting.Phase = ToolCallPhase.AwaitingApproval;
                    waiting.ExpiresAt = e.ExpiresAt;
                    waiting.Command = e.Command;
                }

                break;

            case ApprovalDecided e:
                if (FindCall(state, e.CallId) is { } decided)
                {
                    decided.Decision = e.Decision;
                    decided.Phase = e.Decision == ApprovalChoice.Deny ? ToolCallPhase.Denied : ToolCallPhase.Approved;
                }

                break;

            case ToolStarted e:
                if (FindCall(state, e.CallId) is { } started)
                {
                    started.Phase = ToolCallPhase.Started;
                }

                break;

            case ToolFinished e:
                AddToolResult(state, envelope.Seq, ts, e.CallId, e.Tool, e.Content, e.Status != ToolOutcome.Ok);
                break;

            case ToolInterrupted e:
                AddToolResult(state, envelope.Seq, ts, e.CallId, e.Tool, e.Content, isError: true);
                break;

            case TurnCompleted e:
                state.Turn = null;
                state.LastTurnId = e.TurnId;
                state.LastTurnOutcome = e.Outcome;
                state.Conversation.AddRange(state.Deferred);
                state.Deferred.Clear();
                if (e.Outcome == TurnOutcome.Failed)
                {
                    state.LastError = e.Error;
                }

                break;

            case StatusChanged e:
                state.Status = e.To;
                break;

            case SessionError e:
                state.LastError = e.Message;
                break;
        }

        state.LastSeq = envelope.Seq;
        state.UpdatedAt = ts;
    }

    /// <summary>True while the latest assistant message has tool calls without results.</summary>
    public static bool HasUnansweredToolCalls(SessionState state) => state.OpenToolCalls.Count > 0;

    private static void InsertReply(SessionState state, SessionEventEnvelope envelope, AssistantMessage e)
    {
        // The reply answers what the model was sent; messages that arrived during the call come after it. Everything
        // recorded after the call started sits at the end of the conversation (earlier entries all have smaller seqs),
        // so the scan goes back from the end and stops at the first older entry: O(entries since the call), not
        // O(conversation), which made rebuilding a long history quadratic.
        var answeredThrough = state.Turn?.LlmCallStartedSeq ?? long.MaxValue;
        var conversation = state.Conversation;
        var at = conversation.Count;
        for (var i = conversation.Count - 1; i >= 0 && conversation[i].Seq > answeredThrough; i--)
        {
            if (conversation[i].Role == "user")
            {
                at = i;
            }
        }

        conversation.Insert(at, new ConversationEntry
        {
            Seq = envelope.Seq,
            Role = "assistant",
            Content = e.Content,
            Timestamp = envelope.Timestamp,
            MessageId = e.MessageId,
            ToolCalls = e.ToolCalls is { Count: > 0 } calls ? calls.Select(ToolCallEntry.From).ToList() : null,
            Interrupted = e.Interrupted,
        });
    }

    private static TurnToolCall? FindCall(SessionState state, string callId) =>
        state.Turn?.Calls.Find(c => c.CallId == callId);

    private static void AddToolResult(SessionState state, long seq, DateTimeOffset ts, string callId, string tool, string content, bool isError)
    {
        if (FindCall(state, callId) is { } call)
        {
            call.Phase = ToolCallPhase.Finished;
        }

        state.OpenToolCalls.Remove(callId);
        if (!state.HistoryLoaded)
        {
            return;
        }

        state.Conversation.Add(new ConversationEntry
        {
            IsError = isError,
            Seq = seq,
            Role = "tool",
            Content = content,
            Timestamp = ts,
            ToolCallId = callId,
            ToolName = tool,
        });
        if (!HasUnansweredToolCalls(state) && state.Deferred.Count > 0)
        {
            state.Conversation.AddRange(state.Deferred);
            state.Deferred.Clear();
        }
    }
}
