using Duragent.Agents;
using Duragent.Sessions;
using Microsoft.Extensions.Logging;

namespace Duragent.Schedules;

// The commands and queries of the schedule grain, and its log messages.
public sealed partial class ScheduleGrain
{
    public async Task<ScheduleInfo> CreateAsync(ScheduleSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (State.Exists)
        {
            throw new ScheduleStateException($"Schedule '{Id}' already exists.");
        }

        var now = _clock.GetUtcNow();
        var (resolved, timing) = ScheduleSpecs.Validate(spec, now);
        await CheckTargetAsync(resolved);

        // The index first: a crash between the two writes leaves an index entry without a schedule, which listing
        // skips, rather than a schedule nobody can list.
        await IndexOf(resolved.Agent).AddAsync(Id);
        _state.State = new ScheduleState
        {
            Exists = true,
            Definition = ScheduleDefinition.From(resolved),
            CreatedAt = now,
            UpdatedAt = now,
            TimingSince = now,
        };
        _timing = timing;
        State.NextSlot = FirstSlot(timing, now);
        State.Done = State.NextSlot is null;
        await _state.WriteStateAsync();
        LogCreated(_logger, Id, resolved.Agent, timing.Kind, State.NextSlot);
        await ArmAsync();
        return Info();
    }

    public async Task<ScheduleInfo> UpdateAsync(ScheduleSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        EnsureExists();
        var now = _clock.GetUtcNow();
        var (resolved, timing) = ScheduleSpecs.Validate(spec, now);
        await CheckTargetAsync(resolved);
        var previousAgent = State.Definition.Agent;
        if (previousAgent != resolved.Agent)
        {
            await IndexOf(resolved.Agent).AddAsync(Id);
        }

        State.Definition = ScheduleDefinition.From(resolved);
        State.UpdatedAt = now;
        State.TimingSince = now;
        _timing = timing;
        State.NextSlot = State.Paused ? null : FirstSlot(timing, now);
        State.Done = !State.Paused && State.NextSlot is null;
        State.WaitingSlot = null;
        await _state.WriteStateAsync();
        if (previousAgent != resolved.Agent)
        {
            await IndexOf(previousAgent).RemoveAsync(Id);
        }

        await ArmAsync();
        return Info();
    }

    public async Task<ScheduleInfo?> ApplyAsync(ScheduleSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (!State.Exists)
        {
            return await CreateAsync(spec);
        }

        return State.Definition.ToSpec() == spec ? null : await UpdateAsync(spec);
    }

    public Task<ScheduleInfo?> GetAsync() => Task.FromResult(State.Exists ? Info() : null);

    public async Task<ScheduleInfo> PauseAsync()
    {
        EnsureExists();
        if (!State.Paused)
        {
            State.Paused = true;
            State.NextSlot = null;
            State.WaitingSlot = null;
            State.UpdatedAt = _clock.GetUtcNow();
            await _state.WriteStateAsync();
            await ArmAsync();
        }

        return Info();
    }

    public async Task<ScheduleInfo> ResumeAsync()
    {
        EnsureExists();
        if (State.Paused)
        {
            var now = _clock.GetUtcNow();
            State.Paused = false;
            State.NextSlot = State.Done ? null : Timing.Kind == "at" ? Timing.At : Timing.Next(now);
            State.UpdatedAt = now;
            await _state.WriteStateAsync();
            await ArmAsync();
        }

        return Info();
    }

    public async Task DeleteAsync()
    {
        if (!State.Exists)
        {
            return;
        }

        var agent = State.Definition.Agent;
        await CancelWakeupsAsync();
        await _state.ClearStateAsync();
        _state.State = new ScheduleState();
        await IndexOf(agent).RemoveAsync(Id);
        LogDeleted(_logger, Id);
        DeactivateOnIdle();
    }

    public async Task<ScheduleRun> RunNowAsync()
    {
        EnsureExists();
        if (RunningCount >= State.Definition.MaxConcurrent)
        {
            throw new ScheduleStateException($"Schedule '{Id}' is at its cap of {State.Definition.MaxConcurrent} concurrent run(s); try again when a run has finished.");
        }

        var now = _clock.GetUtcNow();
        var run = StartRun(now, manual: true, now, "run now");
        Trim();
        await _state.WriteStateAsync();
        await DeliverAsync(run);
        await ArmAsync();
        return run.ToRun();
    }

    public Task<IReadOnlyList<ScheduleRun>> GetRunsAsync(int limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        IReadOnlyList<ScheduleRun> runs = State.Runs.AsEnumerable().Reverse().Take(limit).Select(r => r.ToRun()).ToList();
        return Task.FromResult(runs);
    }

    // An `at` slot may be "now" (a delay of zero); `every` and `cron` start after now.
    private static DateTimeOffset? FirstSlot(ScheduleTiming timing, DateTimeOffset now) =>
        timing.Kind == "at" ? timing.At : timing.Next(now);

    private async Task CheckTargetAsync(ScheduleSpec spec)
    {
        if (await GrainFactory.GetGrain<IAgentGrain>(spec.Agent).GetAsync() is null)
        {
            throw new AgentNotFoundException(spec.Agent);
        }

        if (spec.Session is not null && await GrainFactory.GetGrain<ISessionGrain>(spec.Session).GetInfoAsync() is { } session && session.Agent != spec.Agent)
        {
            throw new ScheduleInvalidException("session", $"session '{spec.Session}' belongs to agent '{session.Agent}', not '{spec.Agent}'");
        }
    }

    private IScheduleIndexGrain IndexOf(string agent) => GrainFactory.GetGrain<IScheduleIndexGrain>(IScheduleIndexGrain.AgentKey(agent));

    private void EnsureExists()
    {
        if (!State.Exists)
        {
            throw new ScheduleNotFoundException(Id);
        }
    }

    private ScheduleInfo Info() => new(
        Id,
        State.Definition.ToSpec(),
        Timing.Kind,
        State.Paused,
        State.Done,
        State.CreatedAt,
        State.UpdatedAt,
        State.Paused ? null : State.NextSlot,
        RunningCount,
        State.Runs.Count == 0 ? null : State.Runs[^1].ToRun());

    [LoggerMessage(EventId = 4000, Level = LogLevel.Information, Message = "Schedule {ScheduleId} created for agent {Agent} ({Kind}); next slot {NextSlot}")]
    private static partial void LogCreated(ILogger logger, string scheduleId, string agent, string kind, DateTimeOffset? nextSlot);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Schedule {ScheduleId} deleted")]
    private static partial void LogDeleted(ILogger logger, string scheduleId);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Debug, Message = "Schedule {ScheduleId}: run {RunId} started for slot {Slot}")]
    private static partial void LogStarted(ILogger logger, string scheduleId, string runId, DateTimeOffset slot);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Information, Message = "Schedule {ScheduleId}: run {RunId} finished {Status}: {Detail}")]
    private static partial void LogFinished(ILogger logger, string scheduleId, string runId, ScheduleRunStatus status, string detail);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Warning, Message = "Schedule {ScheduleId}: run {RunId} attempt {Attempt} failed ({Error}); retrying")]
    private static partial void LogRetrying(ILogger logger, string scheduleId, string runId, int attempt, string error);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Warning, Message = "Schedule {ScheduleId}: {Count} slot(s) from {First} skipped: {Reason}")]
    private static partial void LogSkipped(ILogger logger, string scheduleId, long count, DateTimeOffset first, string reason);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Warning, Message = "Schedule {ScheduleId}: run {RunId} (attempt {Attempt}) was started and not finished; delivering it again with the same keys")]
    private static partial void LogRedelivering(ILogger logger, string scheduleId, string runId, int attempt);

    [LoggerMessage(EventId = 4007, Level = LogLevel.Error, Message = "Schedule {ScheduleId}: the end of run {RunId} could not be recorded; the run is delivered again at the next check")]
    private static partial void LogFinishFailed(ILogger logger, Exception exception, string scheduleId, string runId);
}
