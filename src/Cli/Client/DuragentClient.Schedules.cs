using Duragent.Schedules;

namespace Duragent.Cli.Client;

// The schedule calls of the client (`duragent schedule …`): the schedule grain for one schedule, the index grains
// (through ScheduleListing, as the HTTP API lists them) for the listing. Kept apart from the connection code.
internal sealed partial class DuragentClient
{
    /// <summary>The <c>source</c> recorded for schedules created from the CLI: <c>cli</c>.</summary>
    public const string ScheduleSource = "cli";

    /// <summary>Creates schedule <paramref name="scheduleId"/> (a new <c>sched_&lt;ULID&gt;</c> when null).</summary>
    public Task<ScheduleInfo> CreateScheduleAsync(string? scheduleId, ScheduleSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var id = scheduleId ?? Ulid.NewId("sched");
        return CallAsync(() => Schedule(id).CreateAsync(spec with { Source = ScheduleSource }), cancellationToken);
    }

    /// <summary>Every schedule, or <paramref name="agent"/>'s, sorted by id.</summary>
    public Task<IReadOnlyList<ScheduleInfo>> ListSchedulesAsync(string? agent, CancellationToken cancellationToken = default) =>
        CallAsync(() => ScheduleListing.ListAsync(_cluster, agent), cancellationToken);

    /// <summary>The schedule; throws <see cref="ScheduleNotFoundException"/> when it does not exist.</summary>
    public async Task<ScheduleInfo> GetScheduleAsync(string scheduleId, CancellationToken cancellationToken = default) =>
        await CallAsync(() => Schedule(scheduleId).GetAsync(), cancellationToken) ?? throw new ScheduleNotFoundException(scheduleId);

    public Task<ScheduleInfo> PauseScheduleAsync(string scheduleId, CancellationToken cancellationToken = default) =>
        CallAsync(() => Schedule(scheduleId).PauseAsync(), cancellationToken);

    public Task<ScheduleInfo> ResumeScheduleAsync(string scheduleId, CancellationToken cancellationToken = default) =>
        CallAsync(() => Schedule(scheduleId).ResumeAsync(), cancellationToken);

    /// <summary>Deletes the schedule; throws <see cref="ScheduleNotFoundException"/> when it does not exist.</summary>
    public async Task DeleteScheduleAsync(string scheduleId, CancellationToken cancellationToken = default)
    {
        await GetScheduleAsync(scheduleId, cancellationToken);
        await CallAsync(async () =>
        {
            await Schedule(scheduleId).DeleteAsync();
            return true;
        }, cancellationToken);
    }

    /// <summary>Starts a run now, outside the cadence.</summary>
    public Task<ScheduleRun> RunScheduleAsync(string scheduleId, CancellationToken cancellationToken = default) =>
        CallAsync(() => Schedule(scheduleId).RunNowAsync(), cancellationToken);

    /// <summary>The run history, newest first; throws <see cref="ScheduleNotFoundException"/> when the schedule does not exist.</summary>
    public async Task<IReadOnlyList<ScheduleRun>> GetScheduleRunsAsync(string scheduleId, int limit, CancellationToken cancellationToken = default)
    {
        await GetScheduleAsync(scheduleId, cancellationToken);
        return await CallAsync(() => Schedule(scheduleId).GetRunsAsync(limit), cancellationToken);
    }

    private IScheduleGrain Schedule(string scheduleId)
    {
        if (GrainKey.Check(scheduleId) is { } rule)
        {
            throw new CliException($"'{scheduleId}' is not a valid schedule id: {rule}.", ExitCodes.Usage);
        }

        return _cluster.GetGrain<IScheduleGrain>(scheduleId);
    }
}
