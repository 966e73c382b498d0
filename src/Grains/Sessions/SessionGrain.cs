// SessionGrain is one long file on purpose: it reads as one story, the durable state machine of a session
// (ARCHITECTURE §3). The rule throughout: record before acting, record after acting. Every change of state is an
// event appended to the log (fsynced) and then folded by SessionProjection; long work (LLM streams, tool
// processes) runs outside the grain's turns and hands its results back as turns of their own (SessionTurnPost).
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Duragent.Agents;
using Duragent.Llm;
using Duragent.Policy;
using Duragent.Sessions.Events;
using Duragent.Storage;
using Duragent.Tools;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using Orleans.Storage;

namespace Duragent.Sessions;

/// <summary>The session grain: a durable conversation and the agent loop that answers it.</summary>
[GrainType(GrainTypeName)]
public sealed partial class SessionGrain : Grain, ISessionGrain, ISessionTurns, IRemindable
{
    /// <summary>The grain type name: a durable identifier (reminder rows and storage paths carry it).</summary>
    public const string GrainTypeName = "session";

    /// <summary>The name of the snapshot record in grain storage.</summary>
    public const string StateName = "state";

    /// <summary>The grain storage provider the snapshot is kept in (Orleans' default provider).</summary>
    public const string StorageName = "Default";

    /// <summary>The reminder that keeps a running turn alive across restarts.</summary>
    public const string TurnReminder = "turn";

    /// <summary>The reminder that expires a pending approval.</summary>
    public const string ApprovalReminder = "approval";

    /// <summary>The reminder that expires an idle session (<c>ttl_hours</c>).</summary>
    public const string TtlReminder = "ttl";

    /// <summary>How often a session whose write failed on a full (or failing) storage tries again: every 5 seconds.</summary>
    public static readonly TimeSpan StorageRetryDelay = TimeSpan.FromSeconds(5);

    private readonly IPersistentState<SessionState> _snapshot;
    private readonly IEventLogStorage _log;
    private readonly ILlmClientFactory _llm;
    private readonly ProcessRunner _processes;
    private readonly ISessionIndex _index;
    private readonly SessionActivity _activity;
    private readonly TimeProvider _clock;
    private readonly SessionOptions _options;
    private readonly ILogger<SessionGrain> _logger;

    // Live work: at most one LLM call or one tool runs at a time. _activeWorkId is non-zero from the start of the work
    // until its result is recorded (or it is stopped); results of stopped work carry an old id and are ignored.
    private readonly Lock _deltaGate = new();
    private readonly StringBuilder _pendingDelta = new();
    private readonly StringBuilder _streamedText = new();
    private readonly TurnWaiters _waiters = new();
    private SessionEventHub _hub = new(0);
    private CancellationTokenSource? _workCts;
    private Task? _work;
    private long _workSeq;
    private long _activeWorkId;
    private bool _deltaFlushQueued;
    private bool _pauseRequested;
    private int _attached;
    private int _openStreams;
    private bool _countedRunning;
    private string? _storageFault;
    private string? _pendingCancel;
    private IGrainTimer? _storageRetry;
    private readonly CancellationTokenSource _deactivating = new();
    private SessionTurnPost? _turns;
    private SessionWakeups? _wakeups;
    private AgentDefinition? _agent;
    private AgentToolbox? _toolbox;
    private SessionJournal? _journal;

    public SessionGrain(
        [PersistentState(StateName, StorageName)] IPersistentState<SessionState> snapshot,
        IEventLogStorage log,
        ILlmClientFactory llm,
        ProcessRunner processes,
        ISessionIndex index,
        SessionActivity activity,
        TimeProvider clock,
        IOptions<SessionOptions> options,
        ILogger<SessionGrain> logger)
    {
        _snapshot = snapshot;
        _log = log;
        _llm = llm;
        _processes = processes;
        _index = index;
        _activity = activity;
        _clock = clock;
        _options = options.Value;
        _logger = logger;
    }

    private SessionState State => Journal.State;

    private SessionTurnPost Turns => _turns ?? throw new InvalidOperationException("The session is not activated yet.");

    /// <inheritdoc />
    Task ISessionTurns.RunPostedAsync(Guid postId) => Turns.RunPostedAsync(postId);

    // Created on activation, when the grain's id is known.
    private SessionJournal Journal => _journal ?? throw new InvalidOperationException("The session is not activated yet.");

    private string SessionId => this.GetPrimaryKeyString();

    private SessionWakeups Wakeups => _wakeups ?? throw new InvalidOperationException("The session is not activated yet.");

    // ---------------------------------------------------------------- activation and recovery

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _journal = new SessionJournal(_snapshot, _log, this.GetGrainId(), _options, _clock);
        _turns = new SessionTurnPost(this.AsReference<ISessionTurns>());
        _wakeups = new SessionWakeups(this, _clock);
        var replayed = await Journal.LoadAsync(cancellationToken);
        _hub = new SessionEventHub(State.LastSeq);
        CountRunning(State.Exists && State.Status == SessionStatus.Running);
        LogActivated(_logger, SessionId, State.LastSeq, replayed);
        if (State.Exists && State.Turn is not null && State.Status == SessionStatus.Running)
        {
            // A turn was running when the previous activation ended (crash, shutdown, idle collection cannot happen
            // mid-turn): resume it or park it, as the session's on_disconnect says.
            PostTurn(RecoverAsync);
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        await _deactivating.CancelAsync();
        await StopWorkAsync();
        CountRunning(false);
        for (; _attached > 0; _attached--)
        {
            _activity.ClientDetached();
        }

        _hub.Close();
        FailWaiters(new SiloUnavailableException($"Session '{SessionId}' was deactivated ({reason.ReasonCode})."));
        _storageRetry?.Dispose();
        if (Journal.SnapshotBehind && reason.ReasonCode != DeactivationReasonCode.ApplicationError)
        {
            try
            {
                await WriteSnapshotAsync();
            }
            catch (StorageUnavailableException ex)
            {
                LogSnapshotDeferred(_logger, SessionId, ex.Message);
            }
        }
    }

    private async Task RecoverAsync()
    {
        if (State.Turn is null || State.Status != SessionStatus.Running || IsWorkRunning)
        {
            return;
        }

        LogRecovering(_logger, SessionId, State.Turn.TurnId, State.OnDisconnect);
        if (State.OnDisconnect == OnDisconnect.Pause)
        {
            var facts = new List<SessionEvent>();
            if (State.Turn.LlmCallInFlight)
            {
                facts.Add(new LlmCallFailed(State.Turn.TurnId, State.Turn.Iteration + 1, "interrupted", "The silo stopped during the LLM call.", WillRetry: false));
            }

            var started = State.Turn.Calls.Find(c => c.Phase == ToolCallPhase.Started);
            if (started is { Idempotent: false })
            {
                facts.Add(InterruptedToolEvent(started));
            }

            facts.Add(new StatusChanged(SessionStatus.Running, SessionStatus.Paused, "the silo restarted during the turn"));
            await RecordAsync(facts);
            return;
        }

        await DriveAsync();
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        switch (reminderName)
        {
            case TurnReminder:
                if (State.Turn is null || State.Status is SessionStatus.Completed)
                {
                    await Wakeups.CancelAsync(TurnReminder);
                }
                else if (State.Status == SessionStatus.Running && !IsWorkRunning)
                {
                    await RecoverAsync();
                }

                break;
            case ApprovalReminder:
                await ExpireApprovalsAsync();
                break;
            case TtlReminder:
                await ExpireIfIdleAsync();
                break;
        }
    }

    // ---------------------------------------------------------------- commands

    public async Task<SessionInfo> CreateAsync(CreateSession command)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (State.Exists)
        {
            throw new SessionStateException($"Session '{SessionId}' already exists.");
        }

        var agent = await LoadAgentAsync(command.Agent);
        await RecordAsync([new SessionStarted(agent.Name, command.OnDisconnect ?? agent.Session.OnDisconnect, command.Source, command.Gateway, command.ChatId)]);
        await WriteSnapshotAsync();
        await ScheduleExpiryAsync();
        LogCreated(_logger, SessionId, agent.Name);
        return Info();
    }

    public Task<SessionInfo?> GetInfoAsync() => Task.FromResult(State.Exists ? Info() : null);

    public async Task<MessageAccepted> SendMessageAsync(SendMessage command)
    {
        ArgumentNullException.ThrowIfNull(command);
        EnsureExists();
        if (string.IsNullOrWhiteSpace(command.Content))
        {
            throw new SessionRequestException("The message content is empty.");
        }

        if (command.ClientMessageId is not null)
        {
            await EnsureHistoryAsync();
        }

        if (command.ClientMessageId is { } clientId && State.RecentClientMessages.Find(r => r.ClientMessageId == clientId) is { } seen)
        {
            return new MessageAccepted(seen.MessageId, seen.Seq, State.Turn?.TurnId, StartedTurn: false, Duplicate: true);
        }

        if (State.Status == SessionStatus.Completed)
        {
            throw new SessionStateException($"Session '{SessionId}' is completed; start a new session.");
        }

        var message = new UserMessage(Ulid.NewId("msg"), command.Content, command.SenderId, command.SenderName, command.Source, command.ClientMessageId);
        var events = new List<SessionEvent> { message };
        var startsTurn = State.Turn is null;
        string turnId;
        if (startsTurn)
        {
            turnId = Ulid.NewId("turn");
            events.Add(new TurnStarted(turnId, State.LastSeq + 1));
            events.Add(new StatusChanged(State.Status, SessionStatus.Running, "new message"));
        }
        else
        {
            turnId = State.Turn!.TurnId;
            if (State.Status is SessionStatus.Paused or SessionStatus.AwaitingApproval)
            {
                // A new message resumes a parked turn; a pending approval is superseded by it (the planner skips the call).
                _pauseRequested = false;
                events.Add(new StatusChanged(State.Status, SessionStatus.Running, "new message"));
                events.Add(new TurnStarted(turnId, State.Turn.TriggerSeq, Resumed: true));
            }
        }

        var recorded = await RecordAsync(events);
        if (startsTurn)
        {
            try
            {
                await RegisterTurnReminderAsync();
            }
            catch (StorageUnavailableException ex)
            {
                // The message is durable: acknowledge it. The retry registers the reminder and drives the turn.
                await OnStorageFaultAsync(ex);
                return new MessageAccepted(message.MessageId, recorded[0].Seq, turnId, startsTurn);
            }
        }

        if (!IsWorkRunning)
        {
            await DriveSafelyAsync();
        }

        return new MessageAccepted(message.MessageId, recorded[0].Seq, turnId, startsTurn);
    }

    public async Task<SessionInfo> DecideApprovalAsync(DecideApproval command)
    {
        ArgumentNullException.ThrowIfNull(command);
        EnsureExists();
        var call = State.Turn?.Calls.Find(c => c.CallId == command.CallId);
        if (call is null || call.Phase != ToolCallPhase.AwaitingApproval)
        {
            var pending = State.Turn?.Calls.Find(c => c.Phase == ToolCallPhase.AwaitingApproval);
            throw new SessionStateException(pending is null
                ? $"Session '{SessionId}' has no pending approval."
                : $"Session '{SessionId}' is waiting for approval of call '{pending.CallId}', not '{command.CallId}'.");
        }

        if (command.Decision == ApprovalChoice.AllowAlways)
        {
            var agent = await LoadAgentAsync(State.Agent);
            var tool = Toolbox(agent).Find(call.Tool);
            await GrainFactory.GetGrain<IAgentGrain>(agent.Name).AllowAlwaysAsync(PolicyPattern.ExactFor(tool?.Kind ?? "builtin", call.Command));
        }

        var events = new List<SessionEvent> { new ApprovalDecided(call.CallId, command.Decision, command.DecidedBy) };
        if (State.Status == SessionStatus.AwaitingApproval)
        {
            events.Add(new StatusChanged(SessionStatus.AwaitingApproval, SessionStatus.Running, "approval decided"));
        }

        await RecordAsync(events);
        await Wakeups.CancelAsync(ApprovalReminder);
        if (!IsWorkRunning)
        {
            await DriveSafelyAsync();
        }

        return Info();
    }

    public async Task<bool> CancelTurnAsync(string? reason = null)
    {
        EnsureExists();
        await EnsureHistoryAsync();
        var turn = State.Turn;
        if (turn is null)
        {
            return false;
        }

        var llmRunning = turn.LlmCallInFlight;
        var partial = TakeStreamedText();
        await StopWorkAsync();
        var events = new List<SessionEvent>();
        if (FlushDeltaText() is { Length: > 0 } rest)
        {
            events.Add(new AssistantDelta(turn.TurnId, turn.Iteration + 1, rest));
        }

        if (llmRunning && partial.Length > 0)
        {
            events.Add(new AssistantMessage(Ulid.NewId("msg"), turn.TurnId, turn.Iteration + 1, partial, Interrupted: true));
        }
        else if (llmRunning)
        {
            events.Add(new LlmCallFailed(turn.TurnId, turn.Iteration + 1, "cancelled", "The turn was cancelled.", WillRetry: false));
        }

        foreach (var call in turn.Calls.Where(c => !c.IsDone))
        {
            events.Add(call.Phase == ToolCallPhase.Started
                ? new ToolFinished(turn.TurnId, call.CallId, call.Tool, ToolOutcome.Error, "The user cancelled the turn while this tool was running; it was stopped and may have done part of its work.")
                : new ToolFinished(turn.TurnId, call.CallId, call.Tool, ToolOutcome.Skipped, "Skipped: the user cancelled the turn."));
        }

        var nextTurn = EndTurn(events, TurnOutcome.Cancelled, null, reason ?? "cancelled by the user");
        if (!nextTurn)
        {
            events.Add(new StatusChanged(State.Status, SessionStatus.Active, reason ?? "cancelled"));
        }

        try
        {
            await RecordAsync(events);
        }
        catch (StorageUnavailableException ex)
        {
            // The work is stopped but the cancel is not recorded: the retry records it (not the turn's next step).
            _pendingCancel = reason ?? "cancelled by the user";
            await OnStorageFaultAsync(ex);
            throw;
        }

        _pendingCancel = null;
        await Wakeups.CancelAsync(ApprovalReminder);
        _pauseRequested = false;
        if (nextTurn)
        {
            await DriveSafelyAsync();
            return true;
        }

        await Wakeups.CancelAsync(TurnReminder);
        await ScheduleExpiryAsync();
        return true;
    }

    public async Task<SessionInfo> ResumeAsync()
    {
        EnsureExists();
        if (State.Status != SessionStatus.Paused || State.Turn is null)
        {
            _pauseRequested = false;
            return Info();
        }

        _pauseRequested = false;
        await RecordAsync([
            new StatusChanged(SessionStatus.Paused, SessionStatus.Running, "resumed"),
            new TurnStarted(State.Turn.TurnId, State.Turn.TriggerSeq, Resumed: true),
        ]);
        if (!IsWorkRunning)
        {
            await DriveSafelyAsync();
        }

        return Info();
    }

    public async Task DeleteAsync()
    {
        EnsureExists();
        await StopWorkAsync();
        try
        {
            if (State.Status != SessionStatus.Completed)
            {
                await RecordAsync([new StatusChanged(State.Status, SessionStatus.Completed, "deleted")]);
            }

            await WriteSnapshotAsync();
        }
        catch (StorageUnavailableException ex)
        {
            // Followers miss the last status change; the deletion itself goes on (and frees space).
            LogSnapshotDeferred(_logger, SessionId, ex.Message);
        }

        _hub.Close();
        FailWaiters(new SessionNotFoundException(SessionId));
        await Wakeups.CancelAllAsync();

        await Journal.DeleteAsync();
        _index.Remove(SessionId);
        LogDeleted(_logger, SessionId);
        DeactivateOnIdle();
    }

    // ---------------------------------------------------------------- queries and streams

    public async Task<MessagePage> GetMessagesAsync(MessageQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        EnsureExists();
        await EnsureHistoryAsync();
        var limit = Math.Clamp(query.Limit, 1, 500);
        var all = State.Conversation.Concat(State.Deferred)
            .Where(e => query.IncludeTools || e.Role == "user" || (e.Role == "assistant" && e.Content.Length > 0))
            .Where(e => query.BeforeSeq is null || e.Seq < query.BeforeSeq)
            .Where(e => query.AfterSeq is null || e.Seq > query.AfterSeq);
        var ordered = (query.NewestFirst ? all.OrderByDescending(e => e.Seq) : all.OrderBy(e => e.Seq)).ToList();
        var page = ordered.Take(limit).Select(ToMessage).ToList();
        var hasMore = ordered.Count > limit;
        return new MessagePage(page, hasMore ? page[^1].Seq : null, hasMore);
    }

    public async IAsyncEnumerable<SessionEventEnvelope> StreamAsync(StreamOptions options, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        EnsureExists();
        _openStreams++;
        if (options.Attach)
        {
            // Someone watches again: a pause asked for when the last client left (and waiting for a tool) is void.
            _pauseRequested = false;
            _attached++;
            _activity.ClientAttached();
        }

        UpdateKeepAlive();

        // The stream's end (the reader disposed it, its cancellation fired, or Orleans dropped the enumerator of a
        // client that vanished) is applied as a turn of its own: it may pause the running turn.
        await using var stream = new SessionEventStream(_hub, Journal.ReadRangeAsync, Math.Max(0, options.AfterSeq), () =>
        {
            PostTurn(() => OnStreamClosedAsync(options.Attach));
            return ValueTask.CompletedTask;
        });
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _deactivating.Token);
        await foreach (var envelope in stream.ReadAllAsync(reading.Token))
        {
            yield return envelope;
        }
    }

    public async Task<TurnResult> WaitForTurnAsync(long messageSeq, CancellationToken cancellationToken)
    {
        EnsureExists();
        await EnsureHistoryAsync();
        if (_storageFault is not null && !TurnSettled(messageSeq))
        {
            // The turn cannot move until the storage takes writes again: say so now rather than after a timeout.
            throw new StorageUnavailableException(_storageFault);
        }

        if (TurnSettled(messageSeq))
        {
            return TurnResultNow();
        }

        return await _waiters.WaitAsync(messageSeq, cancellationToken);
    }

    private async Task OnStreamClosedAsync(bool attached)
    {
        _openStreams--;
        if (attached)
        {
            _attached--;
            _activity.ClientDetached();
        }

        UpdateKeepAlive();

        if (attached && _attached == 0 && State.OnDisconnect == OnDisconnect.Pause && State.Status == SessionStatus.Running && State.Turn is not null)
        {
            await PauseAsync("the last attached client disconnected");
        }
    }

    public Task<StoredEventsPage> GetEventsAsync(long afterSeq, int limit)
    {
        EnsureExists();
        ArgumentOutOfRangeException.ThrowIfNegative(afterSeq);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        return Journal.PageAsync(afterSeq, limit, _deactivating.Token);
    }

    // ---------------------------------------------------------------- the loop

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
            request = SessionHistory.BuildRequest(State, agent, Toolbox(agent), _clock.GetUtcNow());
        }
        catch (LlmConfigurationException ex)
        {
            await FailTurnAsync("configuration", ex.Message);
            return;
        }

        var iteration = turn.Iteration + 1;
        await RecordAsync([new LlmCallStarted(turn.TurnId, iteration, client.Provider, agent.Model.Name, attempt)]);
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
            await RecordAsync([new AssistantDelta(turnId, iteration, text)]);
        }
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
            return;
        }

        await RecordAsync([
            new ApprovalDecided(expired.CallId, ApprovalChoice.Deny, "expired"),
            new StatusChanged(SessionStatus.AwaitingApproval, SessionStatus.Running, "approval expired"),
        ]);
        await DriveAsync();
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
    }

    /// <summary>Plans the idle expiry (<c>ttl_hours</c>) of the session: one durable reminder, moved after each turn.</summary>
    private async Task ScheduleExpiryAsync()
    {
        if (await TtlAsync() is not { } ttl)
        {
            await Wakeups.CancelAsync(TtlReminder);
            return;
        }

        await Wakeups.AtAsync(TtlReminder, State.UpdatedAt + ttl);
    }

    private async Task ExpireIfIdleAsync()
    {
        if (!State.Exists || State.Status == SessionStatus.Completed || await TtlAsync() is not { } ttl)
        {
            return;
        }

        var idleUntil = State.UpdatedAt + ttl;
        if (State.Status == SessionStatus.Running || IsWorkRunning || _attached > 0 || _clock.GetUtcNow() < idleUntil)
        {
            // Still in use, or used since the reminder was planned: look again one TTL after the last activity.
            await Wakeups.AtAsync(TtlReminder, Max(idleUntil, _clock.GetUtcNow() + TimeSpan.FromMinutes(1)));
            return;
        }

        await EnsureHistoryAsync();
        var events = new List<SessionEvent>();
        if (State.Turn is { } parked)
        {
            foreach (var call in parked.Calls.Where(c => !c.IsDone))
            {
                events.Add(new ToolFinished(parked.TurnId, call.CallId, call.Tool, ToolOutcome.Skipped, "Skipped: the session expired."));
            }

            EndTurn(events, TurnOutcome.Cancelled, null, "the session expired", sessionEnds: true);
        }

        events.Add(new StatusChanged(State.Status, SessionStatus.Completed, $"expired after {ttl.TotalHours:0.#} hours without activity"));
        await RecordAsync(events);
        await Wakeups.CancelAsync(ApprovalReminder);
        LogExpired(_logger, SessionId, ttl.TotalHours);
    }

    private async Task<TimeSpan?> TtlAsync()
    {
        var hours = _options.TtlHours;
        try
        {
            hours = (await LoadAgentAsync(State.Agent)).Session.TtlHours ?? hours;
        }
        catch (AgentNotFoundException)
        {
            // The agent is gone: the workspace default applies.
        }

        return hours > 0 ? TimeSpan.FromHours(hours) : null;
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    // ---------------------------------------------------------------- recording

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

    private async Task WriteSnapshotAsync()
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

        await Journal.WriteSnapshotAsync(_agent?.Session.Compaction ?? _options.Compaction, _deactivating.Token);
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
        _activeWorkId = 0;
        _work = null;
        UpdateKeepAlive();
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
        catch (Exception ex) when (ex is SiloUnavailableException or ObjectDisposedException or InvalidOperationException)
        {
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
            _toolbox = AgentToolbox.For(agent, _processes);
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

    [LoggerMessage(EventId = 3007, Level = LogLevel.Information, Message = "Session {SessionId} expired after {Hours} hours without activity")]
    private static partial void LogExpired(ILogger logger, string sessionId, double hours);

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
