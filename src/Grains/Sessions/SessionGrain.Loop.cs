using Duragent.Agents;
using Duragent.Llm;
using Duragent.Sessions.Events;
using Duragent.Storage;
using Duragent.Tools;
using Orleans.Runtime;
using Orleans.Storage;

namespace Duragent.Sessions;

// The agent loop: the planner's next step, taken until the turn waits for work, a person, or nothing; how turns end.
public sealed partial class SessionGrain
{
    /// <summary>
    /// Drives the turn on behalf of a command whose own effect is already durable: a failure of a later step must not
    /// fail the command. The turn reminder drives the turn again later.
    /// </summary>
    private async Task DriveSafelyAsync()
    {
        try
        {
            await DriveAsync();
        }
        catch (StorageUnavailableException ex)
        {
            await OnStorageFaultAsync(ex);
        }
        catch (Exception ex) when (ex is not InconsistentStateException)
        {
            LogTurnFailed(_logger, ex, SessionId);
        }
    }

    /// <summary>
    /// The storage refused a write (full disk, quota, read-only, I/O error): nothing of the failed step was recorded and
    /// nothing recorded before is lost. Waiters are released at once with the error, the running work stops (its step
    /// was not recorded, so the log still says where the turn stands), the session shows the problem as its
    /// <c>last_error</c>, and a timer drives the turn again every <see cref="StorageRetryDelay"/> until a write works.
    /// </summary>
    private async Task OnStorageFaultAsync(StorageUnavailableException error)
    {
        if (_storageFault is null)
        {
            LogStorageFault(_logger, SessionId, error.Message);
        }

        _storageFault = error.Message;
        FailWaiters(error);
        await StopWorkAsync();
        _storageRetry ??= this.RegisterGrainTimer(RetryAfterStorageFaultAsync, new GrainTimerCreationOptions(StorageRetryDelay, StorageRetryDelay));
    }

    private async Task RetryAfterStorageFaultAsync(CancellationToken cancellationToken)
    {
        if (IsWorkRunning)
        {
            return;
        }

        try
        {
            if (_pendingCancel is { } reason && State.Turn is not null)
            {
                await CancelTurnAsync(reason);
            }
            else if (State.Turn is not null && State.Status == SessionStatus.Running)
            {
                await RegisterTurnReminderAsync();
                await DriveAsync();
            }
            else if (Journal.SnapshotBehind)
            {
                await WriteSnapshotAsync();
            }
        }
        catch (StorageUnavailableException)
        {
            return;
        }

        _storageRetry?.Dispose();
        _storageRetry = null;
        _storageFault = null;
        LogStorageRecovered(_logger, SessionId);
    }

    /// <summary>Takes the steps the planner gives until the turn needs to wait for work, a person, or nothing.</summary>
    private async Task DriveAsync()
    {
        await EnsureHistoryAsync();
        while (!IsWorkRunning)
        {
            AgentDefinition agent;
            try
            {
                agent = await LoadAgentAsync(State.Agent);
            }
            catch (AgentNotFoundException ex) when (State.Turn is not null)
            {
                await FailTurnAsync("agent_unavailable", ex.Message);
                return;
            }

            var step = TurnPlanner.Next(State, agent.Session.MaxToolIterations);
            switch (step)
            {
                case TurnStep.Idle or TurnStep.Parked:
                    return;

                case TurnStep.LlmInterrupted:
                    await RecordAsync([new LlmCallFailed(State.Turn!.TurnId, State.Turn.Iteration + 1, "interrupted", "The LLM call was interrupted (the silo stopped, or its result could not be recorded); it is issued again.", WillRetry: true)]);
                    continue;

                case TurnStep.CallLlm:
                    if (await PauseIfRequestedAsync())
                    {
                        return;
                    }

                    await StartLlmCallAsync(agent);
                    return;

                case TurnStep.RunTool run:
                    if (await PauseIfRequestedAsync())
                    {
                        return;
                    }

                    if (await RefuseOutsideSkillAsync(agent, run.Call))
                    {
                        continue;
                    }

                    if (await StartToolAsync(agent, run.Call, rerun: false))
                    {
                        return;
                    }

                    continue;

                case TurnStep.ToolInterrupted interrupted:
                    if (interrupted.Call.Idempotent)
                    {
                        if (await StartToolAsync(agent, interrupted.Call, rerun: true))
                        {
                            return;
                        }

                        continue;
                    }

                    await RecordAsync([InterruptedToolEvent(interrupted.Call)]);
                    continue;

                case TurnStep.AskApproval ask:
                    // A call the active skill does not allow is refused before anyone is asked about it.
                    if (await RefuseOutsideSkillAsync(agent, ask.Call))
                    {
                        continue;
                    }

                    await AskApprovalAsync(ask.Call);
                    return;

                case TurnStep.Deny deny:
                    var text = deny.ByPerson
                        ? $"The user denied the tool call '{deny.Call.Command}'. Do not run it again; try a different approach or ask the user."
                        : $"The tool call '{deny.Call.Command}' was denied by policy ({PolicyFor(agent).Evaluate(Toolbox(agent).Find(deny.Call.Tool)?.Kind ?? "builtin", deny.Call.Command).Reason}). It is not allowed.";
                    await RecordAsync([new ToolFinished(State.Turn!.TurnId, deny.Call.CallId, deny.Call.Tool, ToolOutcome.Denied, text)]);
                    continue;

                case TurnStep.SkipRemaining skip:
                    var skipped = skip.Calls.Select(c => (SessionEvent)new ToolFinished(
                        State.Turn!.TurnId, c.CallId, c.Tool, ToolOutcome.Skipped, "Skipped: the user sent a new message before this call ran.")).ToList();
                    if (State.Status == SessionStatus.AwaitingApproval)
                    {
                        skipped.Add(new StatusChanged(SessionStatus.AwaitingApproval, SessionStatus.Running, "new message"));
                    }

                    await RecordAsync(skipped);
                    await Wakeups.CancelAsync(ApprovalReminder);
                    continue;

                case TurnStep.Complete complete:
                    if (await CompleteTurnAsync(complete.Outcome))
                    {
                        continue;
                    }

                    return;
            }
        }
    }

    // allowed-tools of the active skill (SkillActivation): a call of another tool ends as denied, and the model is told why.
    private async Task<bool> RefuseOutsideSkillAsync(AgentDefinition agent, TurnToolCall call)
    {
        if (agent.Skills.Count == 0 || SkillActivation.Refusal(agent, SkillActivation.Active(State), call.Tool) is not { } refusal)
        {
            return false;
        }

        await RecordAsync([new ToolFinished(State.Turn!.TurnId, call.CallId, call.Tool, ToolOutcome.Denied, refusal)]);
        return true;
    }

    private async Task<bool> PauseIfRequestedAsync()
    {
        if (!_pauseRequested)
        {
            return false;
        }

        _pauseRequested = false;
        await RecordAsync([new StatusChanged(State.Status, SessionStatus.Paused, "the last attached client disconnected")]);
        return true;
    }

    private async Task PauseAsync(string reason)
    {
        var turn = State.Turn!;
        if (turn.LlmCallInFlight && IsWorkRunning)
        {
            var partial = TakeStreamedText();
            await StopWorkAsync();
            var events = new List<SessionEvent>();
            if (FlushDeltaText() is { Length: > 0 } rest)
            {
                events.Add(new AssistantDelta(turn.TurnId, turn.Iteration + 1, rest));
            }

            events.Add(partial.Length > 0
                ? new AssistantMessage(Ulid.NewId("msg"), turn.TurnId, turn.Iteration + 1, partial, Interrupted: true)
                : new LlmCallFailed(turn.TurnId, turn.Iteration + 1, "paused", "The LLM call was stopped because the session paused.", WillRetry: false));
            events.Add(new StatusChanged(SessionStatus.Running, SessionStatus.Paused, reason));
            await RecordAsync(events);
            return;
        }

        if (IsWorkRunning)
        {
            // A tool is running: stopping it half-way is not safe. Let it finish, then park before the next step.
            _pauseRequested = true;
            return;
        }

        await RecordAsync([new StatusChanged(SessionStatus.Running, SessionStatus.Paused, reason)]);
    }

    /// <summary>Ends the turn; true when messages it did not see started the next turn (the caller drives it).</summary>
    private async Task<bool> CompleteTurnAsync(TurnOutcome outcome)
    {
        var turn = State.Turn!;
        var error = outcome == TurnOutcome.MaxIterations
            ? $"The turn stopped after {turn.Iteration} LLM calls (max_tool_iterations)."
            : null;
        var events = new List<SessionEvent>();
        if (EndTurn(events, outcome, turn.LastAssistantMessageId, error))
        {
            await RecordAsync(events);
            return true;
        }

        events.Add(new StatusChanged(State.Status, SessionStatus.Active, outcome == TurnOutcome.Completed ? "turn completed" : "iteration limit"));
        await RecordAsync(events);
        _pauseRequested = false;
        await Wakeups.CancelAsync(TurnReminder);
        await ScheduleExpiryAsync();
        ReleaseTurnResources();
        return false;
    }

    /// <summary>
    /// Adds the <c>turn_completed</c> of the running turn to <paramref name="events"/>, and what follows for the user
    /// messages no LLM call of the turn saw (<see cref="TurnPlanner.AfterTurn"/>): a new <c>turn_started</c> for them
    /// (status running), or their ids in the <c>turn_completed</c>. True when a next turn starts: the caller records
    /// no status change to idle and drives that turn.
    /// </summary>
    private bool EndTurn(List<SessionEvent> events, TurnOutcome outcome, string? messageId, string? error, bool sessionEnds = false)
    {
        var turn = State.Turn!;
        var followUp = TurnPlanner.AfterTurn(State, outcome, sessionEnds);
        events.Add(new TurnCompleted(turn.TurnId, outcome, messageId, error, TurnUsage(turn), followUp.Unanswered.Count > 0 ? followUp.Unanswered : null));
        if (followUp.NextTriggerSeq is not { } trigger)
        {
            return false;
        }

        events.Add(new TurnStarted(Ulid.NewId("turn"), trigger));
        if (State.Status != SessionStatus.Running)
        {
            events.Add(new StatusChanged(State.Status, SessionStatus.Running, "messages arrived during the last turn"));
        }

        return true;
    }

    private async Task FailTurnAsync(string code, string message)
    {
        await EnsureHistoryAsync();
        var turn = State.Turn;
        if (turn is null)
        {
            return;
        }

        var events = new List<SessionEvent>();
        foreach (var call in turn.Calls.Where(c => !c.IsDone))
        {
            events.Add(new ToolFinished(turn.TurnId, call.CallId, call.Tool, ToolOutcome.Skipped, "Skipped: the turn failed."));
        }

        events.Add(new SessionError(code, message, turn.TurnId));
        EndTurn(events, TurnOutcome.Failed, null, message);
        events.Add(new StatusChanged(State.Status, SessionStatus.Failed, code));
        await RecordAsync(events);
        await Wakeups.CancelAsync(TurnReminder);
        await ScheduleExpiryAsync();
        ReleaseTurnResources();
    }
}
