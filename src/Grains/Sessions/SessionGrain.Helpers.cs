using System.Text.Json;
using Duragent.Agents;
using Duragent.Llm;
using Duragent.Policy;
using Duragent.Sessions.Events;
using Duragent.Storage;
using Duragent.Tools;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace Duragent.Sessions;

// Recording, background-work bookkeeping and small helpers; the log messages.
public sealed partial class SessionGrain
{
    /// <summary>Appends events durably, folds them, tells readers and waiters, and snapshots when due.</summary>
    private async Task<IReadOnlyList<SessionEventEnvelope>> RecordAsync(IReadOnlyList<SessionEvent> events)
    {
        var envelopes = await Journal.AppendAsync(events);
        _hub.Publish(envelopes);
        if (Journal.SnapshotDue(envelopes))
        {
            try
            {
                await WriteSnapshotAsync();
            }
            catch (StorageUnavailableException ex)
            {
                // The events are durable; the snapshot only speeds up the next activation. It is written again later.
                LogSnapshotDeferred(_logger, SessionId, ex.Message);
            }
        }

        if (Array.Exists(envelopes, e => e.Event is StatusChanged or SessionStarted))
        {
            _index.Update(Info());
            CountRunning(State.Status == SessionStatus.Running);
        }

        NotifyWaiters();
        return envelopes;
    }

    // The deactivation passes Orleans' deactivation token: this activation's own token is already cancelled then.
    private async Task WriteSnapshotAsync(CancellationToken? cancellationToken = null)
    {
        // The agent decides the compaction: know it before writing, even when no turn loaded it in this activation
        // (a discard agent's snapshot must carry the history, or the history is lost with the next compaction).
        if (_agent is null && State.Exists)
        {
            try
            {
                await LoadAgentAsync(State.Agent);
            }
            catch (AgentNotFoundException)
            {
                // The agent is gone: the workspace default applies (and the journal keeps a history the log lacks).
            }
        }

        await Journal.WriteSnapshotAsync(_agent?.Session.Compaction ?? _options.Compaction, cancellationToken ?? _deactivating.Token);
    }

    private Task EnsureHistoryAsync() => Journal.EnsureHistoryAsync(_deactivating.Token);

    // ---------------------------------------------------------------- helpers

    private bool IsWorkRunning => _activeWorkId != 0;

    private long BeginWork()
    {
        _workCts?.Dispose();
        _workCts = CancellationTokenSource.CreateLinkedTokenSource(_deactivating.Token);
        _activeWorkId = ++_workSeq;
        UpdateKeepAlive();
        return _activeWorkId;
    }

    private void EndWork()
    {
        Journal.EndStreaming();
        _activeWorkId = 0;
        _work = null;
        UpdateKeepAlive();
    }

    /// <summary>
    /// Once the session is at rest (no turn, no work): drops what only a turn uses, so that a detached session holds
    /// as little as possible: the last work's token source (linked to the activation's, which would hold it until
    /// deactivation), the agent's toolbox and, for a session without followers, the history view
    /// (<see cref="SessionJournal.ReleaseHistory"/>). The next turn makes them again.
    /// </summary>
    private void ReleaseTurnResources()
    {
        if (IsWorkRunning || State.Turn is not null)
        {
            return;
        }

        _workCts?.Dispose();
        _workCts = null;
        _toolbox = null;
        if (_attached == 0 && _openStreams == 0)
        {
            Journal.ReleaseHistory();
        }
    }

    private void CountRunning(bool running)
    {
        if (running && !_countedRunning)
        {
            _activity.TurnRunning();
        }
        else if (!running && _countedRunning)
        {
            _activity.TurnStopped();
        }

        _countedRunning = running;
    }

    /// <summary>A session is never collected while it works or while a client reads its stream.</summary>
    private void UpdateKeepAlive() =>
        DelayDeactivation(IsWorkRunning || _openStreams > 0 ? Timeout.InfiniteTimeSpan : TimeSpan.Zero);

    /// <summary>Posts a turn from background work; a failure (the activation went away) is logged, never thrown.</summary>
    private void PostTurn(Func<Task> work) => _ = RunTurnQuietlyAsync(work);

    private async Task RunTurnQuietlyAsync(Func<Task> work)
    {
        try
        {
            await Turns.RunAsync(async () =>
            {
                try
                {
                    await work();
                }
                catch (StorageUnavailableException ex)
                {
                    await OnStorageFaultAsync(ex);
                }
            });
        }
        catch (Exception ex) when (ex is SiloUnavailableException or ObjectDisposedException
            || (ex is InvalidOperationException && _deactivating.IsCancellationRequested))
        {
            // The activation ended under the result (the post found no activation, or a disposed one). Any other
            // InvalidOperationException is a broken invariant of the turn: it is logged as a failure below.
            LogTurnDropped(_logger, ex, SessionId);
        }
        catch (Exception ex)
        {
            LogTurnFailed(_logger, ex, SessionId);
        }
    }

    private async Task StopWorkAsync()
    {
        var work = _work;
        EndWork();
        if (_workCts is { } cts)
        {
            await cts.CancelAsync();
        }

        // The background work never waits for this activation (it posts its result), so waiting for it here is safe;
        // it gives a killed tool process the time to end before the stop is recorded.
        if (work is not null)
        {
            await Task.WhenAny(work, Task.Delay(_options.StopGracePeriod, _clock));
        }
    }

    private string? FlushDeltaText()
    {
        lock (_deltaGate)
        {
            _deltaFlushQueued = false;
            if (_pendingDelta.Length == 0)
            {
                return null;
            }

            var text = _pendingDelta.ToString();
            _pendingDelta.Clear();
            return text;
        }
    }

    private string TakeStreamedText()
    {
        lock (_deltaGate)
        {
            var text = _streamedText.ToString();
            _streamedText.Clear();
            return text;
        }
    }

    private async Task<AgentDefinition> LoadAgentAsync(string name)
    {
        if (!Duragent.GrainKey.IsValid(name))
        {
            throw new AgentNotFoundException(name);
        }

        var agent = await GrainFactory.GetGrain<IAgentGrain>(name).GetAsync() ?? throw new AgentNotFoundException(name);
        if (!ReferenceEquals(agent, _agent))
        {
            _agent = agent;
            _toolbox = null;
        }

        return agent;
    }

    private AgentToolbox Toolbox(AgentDefinition agent)
    {
        if (_toolbox is null || !ReferenceEquals(agent, _agent))
        {
            _toolbox = AgentToolbox.For(agent, _processes, GrainFactory);
        }

        return _toolbox;
    }

    private ToolPolicy PolicyFor(AgentDefinition agent)
    {
        var files = new List<string>();
        if (_options.WorkspacePolicyFile is { } workspace)
        {
            files.Add(workspace);
        }

        files.Add(Path.Combine(agent.HomeDirectory, PolicyFiles.PolicyFileName));
        files.Add(Path.Combine(agent.HomeDirectory, PolicyFiles.LocalPolicyFileName));
        return PolicyFiles.Load([.. files]);
    }

    private static LlmModelSettings ModelSettings(AgentDefinition agent) =>
        new(ModelProviders.ToName(agent.Model.Provider), agent.Model.Name)
        {
            AgentName = agent.Name,
            BaseUrl = agent.Model.BaseUrl,
            ApiKeyEnv = agent.Model.ApiKeyEnv,
            Temperature = agent.Model.Temperature,
            MaxInputTokens = agent.Model.MaxInputTokens,
            MaxOutputTokens = agent.Model.MaxOutputTokens,
            Timeout = agent.Session.LlmTimeout,
        };

    private static string DescribeInvocation(ITool tool, string argumentsJson)
    {
        try
        {
            using var document = JsonDocument.Parse(string.IsNullOrWhiteSpace(argumentsJson) ? "{}" : argumentsJson);
            var described = tool.DescribeInvocation(document.RootElement);
            return described.Length > 0 ? described : tool.Name;
        }
        catch (JsonException)
        {
            return tool.Name;
        }
    }

    private static string ErrorCode(Exception? failure) => failure switch
    {
        LlmConfigurationException => "configuration",
        LlmRateLimitedException => "rate_limited",
        LlmHttpException => "llm_http_error",
        LlmTimeoutException => "llm_timeout",
        LlmConnectionException => "llm_unreachable",
        LlmStreamBrokenException => "llm_stream_broken",
        null => "llm_no_result",
        _ => "llm_error",
    };

    private SessionEvent InterruptedToolEvent(TurnToolCall call) =>
        new ToolInterrupted(
            State.Turn?.TurnId ?? string.Empty,
            call.CallId,
            call.Tool,
            "the silo stopped while the tool was running",
            $"The tool call '{call.Command}' was interrupted when Duragent stopped while it was running. It is not run again because it is not idempotent; whether it completed, partly ran or did nothing is unknown. Check its effects before repeating it.");

    private static TokenUsage? TurnUsage(TurnState turn) =>
        turn.InputTokens + turn.OutputTokens > 0 ? new TokenUsage((int)turn.InputTokens, (int)turn.OutputTokens) : null;

    private void EnsureExists()
    {
        if (!State.Exists)
        {
            throw new SessionNotFoundException(SessionId);
        }
    }

    private async Task RegisterTurnReminderAsync() =>
        await Wakeups.EveryMinuteAsync(TurnReminder);

    private SessionInfo Info() => State.ToInfo(SessionId, _attached, _storageFault);

    private static SessionMessage ToMessage(ConversationEntry e) =>
        new(e.Seq, e.Role, e.Content, e.Timestamp, e.MessageId, e.ToolCalls?.Select(c => c.ToRecord()).ToList(), e.ToolCallId, e.ToolName, e.Interrupted);

    private bool TurnSettled(long messageSeq)
    {
        if (State.LastSeq < messageSeq)
        {
            return false;
        }

        return State.Status is not SessionStatus.Running || State.Turn is null;
    }

    private TurnResult TurnResultNow()
    {
        var pending = Info().PendingApproval;
        var lastAssistant = State.Conversation.LastOrDefault(e => e.Role == "assistant" && !e.Interrupted);
        return new TurnResult(
            State.Turn?.TurnId ?? State.LastTurnId ?? string.Empty,
            State.Status,
            State.Turn is null ? State.LastTurnOutcome : null,
            lastAssistant?.Content,
            lastAssistant?.MessageId,
            pending,
            State.Status == SessionStatus.Failed ? State.LastError : null,
            State.LastSeq);
    }

    private void NotifyWaiters() => _waiters.Notify(TurnSettled, TurnResultNow);

    private void FailWaiters(Exception error) => _waiters.FailAll(error);

    [LoggerMessage(EventId = 3000, Level = LogLevel.Debug, Message = "Session {SessionId} activated at event {LastSeq} ({Replayed} replayed from the log)")]
    private static partial void LogActivated(ILogger logger, string sessionId, long lastSeq, int replayed);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Session {SessionId} created for agent {Agent}")]
    private static partial void LogCreated(ILogger logger, string sessionId, string agent);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Session {SessionId}: turn {TurnId} was interrupted; recovering it (on_disconnect: {OnDisconnect})")]
    private static partial void LogRecovering(ILogger logger, string sessionId, string turnId, OnDisconnect onDisconnect);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Information, Message = "Session {SessionId} deleted")]
    private static partial void LogDeleted(ILogger logger, string sessionId);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Information, Message = "Session {SessionId} expired after {Idle} without activity")]
    private static partial void LogExpired(ILogger logger, string sessionId, string idle);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Debug, Message = "Session {SessionId}: a background result arrived after the activation ended; the log and recovery cover it")]
    private static partial void LogTurnDropped(ILogger logger, Exception exception, string sessionId);

    [LoggerMessage(EventId = 3008, Level = LogLevel.Warning, Message = "Session {SessionId} is waiting for storage: {Problem} It tries again every 5 seconds")]
    private static partial void LogStorageFault(ILogger logger, string sessionId, string problem);

    [LoggerMessage(EventId = 3009, Level = LogLevel.Information, Message = "Session {SessionId}: storage writes work again; the turn continues")]
    private static partial void LogStorageRecovered(ILogger logger, string sessionId);

    [LoggerMessage(EventId = 3010, Level = LogLevel.Debug, Message = "Session {SessionId}: snapshot not written ({Problem}); it is written again later")]
    private static partial void LogSnapshotDeferred(ILogger logger, string sessionId, string problem);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Error, Message = "Session {SessionId}: a step of the turn failed")]
    private static partial void LogTurnFailed(ILogger logger, Exception exception, string sessionId);
}
