// SessionGrain: the durable state machine of a session (ARCHITECTURE §3). The rule throughout: record before acting,
// record after acting. Every change of state is an event appended to the log (fsynced, SessionJournal) and then folded
// by SessionProjection; long work (LLM streams, tool processes) runs outside the grain's turns and hands its results
// back as turns of their own (SessionTurnPost). This file holds the commands; the partial files hold the queries and
// streams (.Queries), the loop (.Loop), the long work (.Work), idle expiry (.Expiry) and the helpers (.Helpers).
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
    private readonly AgentPromptSources _prompts;
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
        AgentPromptSources prompts,
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
        _prompts = prompts;
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
        else if (State.Exists && State.Status == SessionStatus.AwaitingApproval
            && State.Turn?.Calls.Exists(c => c.Phase == ToolCallPhase.AwaitingApproval && c.ExpiresAt <= _clock.GetUtcNow()) == true)
        {
            // The approval expired while the silo was down: Orleans delivers a missed reminder only at its next slot
            // (up to a minute later); expire it now.
            PostTurn(ExpireApprovalsAsync);
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
        FailWaiters(new SessionDeactivatedException(SessionId, reason.ReasonCode.ToString()));
        _storageRetry?.Dispose();
        if (Journal.SnapshotBehind && reason.ReasonCode != DeactivationReasonCode.ApplicationError)
        {
            try
            {
                await WriteSnapshotAsync(cancellationToken);
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
                if (State.Turn is null || State.Status is not SessionStatus.Running)
                {
                    // No turn, or a parked one (approval, pause): the decision or the resume drives it and plans the
                    // reminder again. A parked session is not woken every minute, so it can be collected.
                    await Wakeups.CancelAsync(TurnReminder);
                }
                else if (_storageFault is not null)
                {
                    // The storage refused a write and the retry timer drives the turn once writes work again. The
                    // work is stopped on purpose: recovering here would treat the turn as cut off by a restart (a
                    // pause session would park with "the silo restarted") as soon as the disk takes a write again.
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
        var messageSeq = await Journal.NextSeqAsync();
        var events = new List<SessionEvent> { message };
        var startsTurn = State.Turn is null;
        var resumesParkedTurn = false;
        string turnId;
        if (startsTurn)
        {
            turnId = Ulid.NewId("turn");
            events.Add(new TurnStarted(turnId, messageSeq));
            events.Add(new StatusChanged(State.Status, SessionStatus.Running, "new message"));
        }
        else
        {
            turnId = State.Turn!.TurnId;
            if (State.Status is SessionStatus.Paused or SessionStatus.AwaitingApproval)
            {
                // A new message resumes a parked turn; a pending approval is superseded by it (the planner skips the call).
                _pauseRequested = false;
                resumesParkedTurn = true;
                events.Add(new StatusChanged(State.Status, SessionStatus.Running, "new message"));
                events.Add(new TurnStarted(turnId, State.Turn.TriggerSeq, Resumed: true));
            }
        }

        var recorded = await RecordAsync(events);
        if (startsTurn || resumesParkedTurn)
        {
            // A parked turn dropped its turn reminder; running again, it needs it, or a crash would leave it stuck.
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
        await RegisterTurnReminderAsync();
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
        ReleaseTurnResources();
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
        await RegisterTurnReminderAsync();
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
}
