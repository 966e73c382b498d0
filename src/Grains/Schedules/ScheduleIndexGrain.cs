namespace Duragent.Schedules;

/// <summary>The stored ids of a schedule index.</summary>
public sealed class ScheduleIndexState
{
    public List<string> Ids { get; set; } = [];
}

/// <summary>
/// A durable list of ids in grain storage (see <see cref="IScheduleIndexGrain"/>). An agent's index adds the agent to the
/// root index when it gets its first schedule, and removes it when it loses its last one.
/// </summary>
[GrainType("schedule-index")]
public sealed class ScheduleIndexGrain(
    [PersistentState("state", Duragent.Sessions.SessionGrain.StorageName)] IPersistentState<ScheduleIndexState> state)
    : Grain, IScheduleIndexGrain
{
    private const string AgentPrefix = "agent.";

    public async Task AddAsync(string id)
    {
        GrainKey.Validate(id, "schedule id");
        var at = state.State.Ids.BinarySearch(id, StringComparer.Ordinal);
        if (at >= 0)
        {
            return;
        }

        if (state.State.Ids.Count == 0 && AgentName is { } agent)
        {
            await GrainFactory.GetGrain<IScheduleIndexGrain>(IScheduleIndexGrain.RootKey).AddAsync(agent);
        }

        state.State.Ids.Insert(~at, id);
        await state.WriteStateAsync();
    }

    public async Task RemoveAsync(string id)
    {
        var at = state.State.Ids.BinarySearch(id, StringComparer.Ordinal);
        if (at < 0)
        {
            return;
        }

        state.State.Ids.RemoveAt(at);
        await state.WriteStateAsync();
        if (state.State.Ids.Count == 0 && AgentName is { } agent)
        {
            await GrainFactory.GetGrain<IScheduleIndexGrain>(IScheduleIndexGrain.RootKey).RemoveAsync(agent);
        }
    }

    public Task<IReadOnlyList<string>> ListAsync() => Task.FromResult<IReadOnlyList<string>>([.. state.State.Ids]);

    private string? AgentName
    {
        get
        {
            var key = this.GetPrimaryKeyString();
            return key.StartsWith(AgentPrefix, StringComparison.Ordinal) ? key[AgentPrefix.Length..] : null;
        }
    }
}
