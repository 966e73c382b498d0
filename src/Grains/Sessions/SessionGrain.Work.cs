using System.Text.Json;
using Duragent.Agents;
using Duragent.Llm;
using Duragent.Sessions.Events;
using Duragent.Storage;
using Duragent.Tools;

namespace Duragent.Sessions;

// Long work outside the grain's turns (the LLM stream, tool processes) and how its results come back; approvals.
public sealed partial class SessionGrain
{
    private async Task StartLlmCallAsync(AgentDefinition agent)
    {
        var turn = State.Turn!;

        // A call cut off by a stop of the silo is issued again under the same attempt number: the model did not fail.
        var attempt = turn.LastLlmFailure == "interrupted" ? Math.Max(1, turn.LlmAttempt) : turn.LlmAttempt + 1;
        if (attempt > _options.MaxLlmAttempts)
        {
            await FailTurnAsync("llm_failed", State.LastError ?? "The LLM call failed.");
            return;
        }

        ILlmClient client;
        LlmRequest request;
        try
        {
            client = _llm.Create(ModelSettings(agent));
            request = SessionHistory.BuildRequest(State, agent, Toolbox(agent), _prompts.Assemble(agent, _clock.GetUtcNow()).Text);
        }
        catch (LlmConfigurationException ex)
        {
            await FailTurnAsync("configuration", ex.Message);
            return;
        }

        var iteration = turn.Iteration + 1;

        // From the call's start on, every append reserves seqs ahead, so that its text deltas can be shown before
        // their fsync (SessionJournal remarks); the call's end releases the reservation.
        Journal.BeginStreaming();
        try
        {
            await RecordAsync([new LlmCallStarted(turn.TurnId, iteration, client.Provider, agent.Model.Name, attempt)]);
        }
        catch
        {
            Journal.EndStreaming();
            throw;
        }

        var workId = BeginWork();
        var token = _workCts!.Token;
        lock (_deltaGate)
        {
            _pendingDelta.Clear();
            _streamedText.Clear();
            _deltaFlushQueued = false;
        }

        _work = Task.Run(() => StreamLlmAsync(client, request, turn.TurnId, iteration, workId, token), CancellationToken.None);
    }

    private async Task StreamLlmAsync(ILlmClient client, LlmRequest request, string turnId, int iteration, long workId, CancellationToken token)
    {
        LlmCompleted? completed = null;
        Exception? failure = null;
        try
        {
            await foreach (var item in client.StreamAsync(request, token))
            {
                if (item is LlmTextDelta delta)
                {
                    bool post;
                    lock (_deltaGate)
                    {
                        _pendingDelta.Append(delta.Text);
                        _streamedText.Append(delta.Text);
                        post = !_deltaFlushQueued;
                        _deltaFlushQueued = true;
                    }

                    if (post)
                    {
                        PostTurn(() => FlushDeltaAsync(turnId, iteration, workId));
                    }
                }
                else if (item is LlmCompleted done)
                {
                    completed = done;
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            return;
        }
        catch (Exception ex)
        {
            failure = ex;
        }

        if (token.IsCancellationRequested)
        {
            return;
        }

        PostTurn(() => OnLlmCallEndedAsync(turnId, iteration, workId, completed, failure));
    }

    private async Task FlushDeltaAsync(string turnId, int iteration, long workId)
    {
        if (workId != _activeWorkId)
        {
            return;
        }

        if (FlushDeltaText() is { Length: > 0 } text)
        {
            // Ordered, not awaited to be durable: a delta carries no state, and its seq is covered by the reservation
            // (or it waits in the hub for its fsync). The next delta can be ordered at once, so tokens never queue
            // behind an fsync.
            var delta = await Journal.AppendDeltaAsync(new AssistantDelta(turnId, iteration, text));
            _hub.PublishOrdered(delta.Envelope, delta.MayShowEarly);
            _ = ConfirmDeltaAsync(_hub, delta);
        }
    }

    private async Task ConfirmDeltaAsync(SessionEventHub hub, OrderedDelta delta)
    {
        try
        {
            await hub.ConfirmWhenDurableAsync(delta);
        }
        catch (Exception ex)
        {
            // A failure comes back as a turn of its own.
            PostTurn(() => OnDeltaWriteFailedAsync(ex));
        }
    }

    private async Task OnDeltaWriteFailedAsync(Exception error)
    {
        if (error is StorageUnavailableException unavailable)
        {
            await OnStorageFaultAsync(unavailable);
            return;
        }

        // Any other write error: the delta's text is lost from the stream (the assistant message carries the whole
        // reply); the next append asks the log where it stands.
        LogTurnFailed(_logger, error, SessionId);
    }

    private async Task OnLlmCallEndedAsync(string turnId, int iteration, long workId, LlmCompleted? completed, Exception? failure)
    {
        if (workId != _activeWorkId)
        {
            return;
        }

        EndWork();
        var events = new List<SessionEvent>();
        if (FlushDeltaText() is { Length: > 0 } rest)
        {
            events.Add(new AssistantDelta(turnId, iteration, rest));
        }

        if (completed is null)
        {
            var retryable = failure is LlmStreamBrokenException or LlmTimeoutException or LlmConnectionException
                || failure is LlmHttpException { StatusCode: >= 500 or 429 };
            var willRetry = retryable && State.Turn!.LlmAttempt < _options.MaxLlmAttempts;
            var message = failure?.Message ?? "The LLM stream ended without a result.";
            SessionLlmFailureLog.Write(_logger, SessionId, turnId, failure, State.Turn!.LlmAttempt, _options.MaxLlmAttempts, willRetry);
            events.Add(new LlmCallFailed(turnId, iteration, ErrorCode(failure), message, willRetry));
            await RecordAsync(events);
            if (!willRetry)
            {
                await FailTurnAsync(ErrorCode(failure), message);
                return;
            }

            await DriveAsync();
            return;
        }

        var agent = await LoadAgentAsync(State.Agent);
        var toolbox = Toolbox(agent);
        var policy = PolicyFor(agent);
        var calls = completed.ToolCalls.Select(c => new ToolCallRecord(c.Id, c.Name, c.ArgumentsJson)).ToList();
        var usage = completed.Usage is { } u ? new TokenUsage(u.InputTokens, u.OutputTokens) : null;
        events.Add(new AssistantMessage(Ulid.NewId("msg"), turnId, iteration, completed.Text, calls.Count > 0 ? calls : null, usage, completed.RawFinishReason));
        foreach (var call in calls)
        {
            var tool = toolbox.Find(call.Name);
            var command = tool is null ? call.Name : DescribeInvocation(tool, call.Arguments);
            var verdict = tool is null ? "allow" : policy.Evaluate(tool.Kind, command).Name;
            events.Add(new ToolCallRequested(turnId, call.Id, call.Name, call.Arguments, tool?.Idempotent ?? false, verdict, command));
        }

        await RecordAsync(events);
        await DriveAsync();
    }

    private async Task<bool> StartToolAsync(AgentDefinition agent, TurnToolCall call, bool rerun)
    {
        var turn = State.Turn!;
        var tool = Toolbox(agent).Find(call.Tool);
        if (tool is null)
        {
            var known = string.Join(", ", Toolbox(agent).Tools.Select(t => t.Name));
            await RecordAsync([new ToolFinished(turn.TurnId, call.CallId, call.Tool, ToolOutcome.Error,
                $"There is no tool named '{call.Tool}'. Available tools: {(known.Length == 0 ? "none" : known)}.")]);
            return false;
        }

        JsonElement arguments;
        try
        {
            using var document = JsonDocument.Parse(string.IsNullOrWhiteSpace(call.Arguments) ? "{}" : call.Arguments);
            arguments = document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            await RecordAsync([new ToolFinished(turn.TurnId, call.CallId, call.Tool, ToolOutcome.Error, $"The arguments are not valid JSON: {ex.Message}")]);
            return false;
        }

        if (!rerun || call.Phase != ToolCallPhase.Started)
        {
            await RecordAsync([new ToolStarted(turn.TurnId, call.CallId, call.Tool)]);
        }

        var workId = BeginWork();
        var token = _workCts!.Token;
        var context = new ToolContext(SessionId, agent.Name, agent.HomeDirectory, call.CallId);
        var callId = call.CallId;
        var toolName = call.Tool;
        var maxTokens = agent.Session.Context.MaxToolResultTokens;
        var truncation = agent.Session.Context.ToolResultTruncation;
        _work = Task.Run(
            async () =>
            {
                var started = _clock.GetTimestamp();
                ToolResult result;
                try
                {
                    result = await tool.ExecuteAsync(arguments, context, token);
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex)
                {
                    result = ToolResult.Failure($"The tool failed: {ex.Message}");
                }

                var elapsed = _clock.GetElapsedTime(started);
                PostTurn(() => OnToolEndedAsync(turn.TurnId, callId, toolName, workId, result, elapsed, maxTokens, truncation));
            },
            CancellationToken.None);
        return true;
    }

    private async Task OnToolEndedAsync(string turnId, string callId, string tool, long workId, ToolResult result, TimeSpan elapsed, int maxTokens, ToolResultTruncation truncation)
    {
        if (workId != _activeWorkId)
        {
            return;
        }

        EndWork();
        var (content, cut) = SessionHistory.TruncateToolResult(result.Content, maxTokens, truncation);
        await RecordAsync([new ToolFinished(turnId, callId, tool, result.Outcome, content, result.ExitCode, (long)elapsed.TotalMilliseconds, result.Truncated || cut)]);
        await DriveAsync();
    }

    private async Task AskApprovalAsync(TurnToolCall call)
    {
        var agent = await LoadAgentAsync(State.Agent);
        var timeout = PolicyFor(agent).ApprovalTimeout;
        var expires = timeout is { } t ? _clock.GetUtcNow() + t : (DateTimeOffset?)null;
        await RecordAsync([
            new ApprovalRequired(State.Turn!.TurnId, call.CallId, call.Tool, call.Command, expires),
            new StatusChanged(State.Status, SessionStatus.AwaitingApproval, $"approval needed for {call.Tool}"),
        ]);
        if (expires is { } due)
        {
            await Wakeups.AtAsync(ApprovalReminder, due);
        }
    }

    private async Task ExpireApprovalsAsync()
    {
        var now = _clock.GetUtcNow();
        var expired = State.Turn?.Calls.Find(c => c.Phase == ToolCallPhase.AwaitingApproval && c.ExpiresAt <= now);
        if (expired is null)
        {
            // Early (the reminder repeats every minute until cancelled) or nothing pending any more.
            var pending = State.Turn?.Calls.Find(c => c.Phase == ToolCallPhase.AwaitingApproval && c.ExpiresAt is not null);
            if (pending?.ExpiresAt is { } due)
            {
                await Wakeups.AtAsync(ApprovalReminder, due);
            }
            else
            {
                await Wakeups.CancelAsync(ApprovalReminder);
            }

            return;
        }

        await RecordAsync([
            new ApprovalDecided(expired.CallId, ApprovalChoice.Deny, "expired"),
            new StatusChanged(SessionStatus.AwaitingApproval, SessionStatus.Running, "approval expired"),
        ]);

        // Before the turn goes on: it may ask for another approval, which plans a wake-up of its own. The parked turn
        // dropped its turn reminder; running again, it needs it (as after a decision), or a crash would leave it stuck.
        await Wakeups.CancelAsync(ApprovalReminder);
        await RegisterTurnReminderAsync();
        await DriveAsync();
    }
}
