namespace Duragent.Schedules;

/// <summary>Listing schedules through the indexes (used by the HTTP gateway and the agent's schedule tool).</summary>
public static class ScheduleListing
{
    /// <summary>
    /// The schedules of <paramref name="agent"/>, or of every agent when null, sorted by id. An index entry whose
    /// schedule no longer exists (a crash between the two writes of a create or a delete) is left out.
    /// </summary>
    public static async Task<IReadOnlyList<ScheduleInfo>> ListAsync(IGrainFactory grains, string? agent = null)
    {
        ArgumentNullException.ThrowIfNull(grains);
        var agents = agent is null
            ? await grains.GetGrain<IScheduleIndexGrain>(IScheduleIndexGrain.RootKey).ListAsync()
            : [agent];
        var result = new List<ScheduleInfo>();
        foreach (var name in agents)
        {
            var ids = await grains.GetGrain<IScheduleIndexGrain>(IScheduleIndexGrain.AgentKey(name)).ListAsync();
            var infos = await Task.WhenAll(ids.Select(id => grains.GetGrain<IScheduleGrain>(id).GetAsync()));
            result.AddRange(infos.OfType<ScheduleInfo>().Where(i => i.Spec.Agent == name));
        }

        result.Sort((a, b) => string.CompareOrdinal(a.ScheduleId, b.ScheduleId));
        return result;
    }
}
