namespace Duragent.Sessions;

/// <summary>The next thing a turn must do, decided from the session state alone.</summary>
public abstract record TurnStep
{
    /// <summary>No turn.</summary>
    public sealed record Idle : TurnStep;

    /// <summary>The turn waits for a person (approval) or a resume (paused).</summary>
    public sealed record Parked : TurnStep;

    /// <summary>Call the model with the conversation.</summary>
    public sealed record CallLlm : TurnStep;

    /// <summary>An LLM call was recorded as started but nothing is running: it was interrupted.</summary>
    public sealed record LlmInterrupted : TurnStep;

    /// <summary>Run the tool call.</summary>
    public sealed record RunTool(TurnToolCall Call) : TurnStep;

    /// <summary>The call was recorded as started but nothing is running: it was interrupted.</summary>
    public sealed record ToolInterrupted(TurnToolCall Call) : TurnStep;

    /// <summary>Ask a person about the call.</summary>
    public sealed record AskApproval(TurnToolCall Call) : TurnStep;

    /// <summary>Record the call as denied (by policy or by a person) without running it.</summary>
    public sealed record Deny(TurnToolCall Call, bool ByPerson) : TurnStep;

    /// <summary>A new user message arrived while calls were waiting: skip them so the model hears the message.</summary>
    public sealed record SkipRemaining(IReadOnlyList<TurnToolCall> Calls) : TurnStep;

    /// <summary>The turn is over.</summary>
    public sealed record Complete(Duragent.Sessions.Events.TurnOutcome Outcome) : TurnStep;
}

/// <summary>
/// Decides a turn's next step from the state. Pure: the grain calls it after every recorded step and after
/// activation, which is why a restarted session continues exactly where the log says it was.
/// </summary>
public static class TurnPlanner
{
    /// <summary>The next step. <paramref name="maxIterations"/> bounds the LLM calls of one turn.</summary>
    public static TurnStep Next(SessionState state, int maxIterations)
    {
        ArgumentNullException.ThrowIfNull(state);
        var turn = state.Turn;
        if (turn is null)
        {
            return new TurnStep.Idle();
        }

        if (state.Status == SessionStatus.Paused)
        {
            return new TurnStep.Parked();
        }

        if (turn.LlmCallInFlight)
        {
            return new TurnStep.LlmInterrupted();
        }

        foreach (var call in turn.Calls)
        {
            switch (call.Phase)
            {
                case ToolCallPhase.Finished:
                    continue;
                case ToolCallPhase.Started:
                    return new TurnStep.ToolInterrupted(call);
            }

            if (state.Deferred.Count > 0)
            {
                return new TurnStep.SkipRemaining(turn.Calls.Where(c => c.Phase is not (ToolCallPhase.Finished or ToolCallPhase.Started)).ToList());
            }

            switch (call.Phase)
            {
                case ToolCallPhase.AwaitingApproval:
                    return new TurnStep.Parked();
                case ToolCallPhase.Denied:
                    return new TurnStep.Deny(call, ByPerson: true);
                case ToolCallPhase.Approved:
                    return new TurnStep.RunTool(call);
                default:
                    return call.Verdict switch
                    {
                        "deny" => new TurnStep.Deny(call, ByPerson: false),
                        "ask" => new TurnStep.AskApproval(call),
                        _ => new TurnStep.RunTool(call),
                    };
            }
        }

        var last = state.Conversation.LastOrDefault(e => !e.Interrupted);
        if (last is { Role: "assistant", ToolCalls: null or { Count: 0 } } && last.Seq > turn.TriggerSeq && state.Deferred.Count == 0)
        {
            return new TurnStep.Complete(Duragent.Sessions.Events.TurnOutcome.Completed);
        }

        if (turn.Iteration >= maxIterations)
        {
            return new TurnStep.Complete(Duragent.Sessions.Events.TurnOutcome.MaxIterations);
        }

        return new TurnStep.CallLlm();
    }

    /// <summary>
    /// The user messages of the running turn that no LLM call has seen: those recorded after the turn's latest
    /// <c>llm_call_started</c> (every message of the turn when it made none), in log order. The request of a call is
    /// built before the call is recorded, so a message recorded after it was not in it.
    /// </summary>
    public static IReadOnlyList<ConversationEntry> UnseenMessages(SessionState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Turn is not { } turn)
        {
            return [];
        }

        var seenThrough = Math.Max(turn.LlmCallStartedSeq, turn.TriggerSeq - 1);
        return state.Conversation.Concat(state.Deferred)
            .Where(e => e.Role == "user" && e.Seq > seenThrough)
            .OrderBy(e => e.Seq)
            .ToList();
    }

    /// <summary>
    /// What follows when the running turn ends with <paramref name="outcome"/>, for the messages no call saw. They
    /// start the next turn at once after a completed, cancelled or max_iterations turn: each such turn makes an LLM
    /// call that sees them, so this never loops (a cancel ends the turn; messages acknowledged during it are answered
    /// by the next). After a failed turn (the model, its configuration or the agent cannot answer now; a new turn
    /// would fail the same way) or when the session ends (<paramref name="sessionEnds"/>), they are named as
    /// unanswered instead.
    /// </summary>
    public static TurnFollowUp AfterTurn(SessionState state, Duragent.Sessions.Events.TurnOutcome outcome, bool sessionEnds = false)
    {
        var unseen = UnseenMessages(state);
        if (unseen.Count == 0)
        {
            return TurnFollowUp.None;
        }

        return outcome == Duragent.Sessions.Events.TurnOutcome.Failed || sessionEnds
            ? new TurnFollowUp(null, unseen.Select(e => e.MessageId ?? string.Empty).ToList())
            : new TurnFollowUp(unseen[0].Seq, []);
    }
}
