using Orleans.Concurrency;

namespace Duragent.Schedules;

/// <summary>
/// The durable list of schedules, in grain storage: one index per agent (key <c>agent.&lt;name&gt;</c>) and one root
/// (key <see cref="RootKey"/>) listing the agents that have schedules. Schedule grains add and remove themselves.
/// </summary>
[Alias("duragent.schedule-index")]
public interface IScheduleIndexGrain : IGrainWithStringKey
{
    /// <summary>The key of the root index.</summary>
    public const string RootKey = "agents";

    /// <summary>The key of the index of <paramref name="agent"/>'s schedules.</summary>
    public static string AgentKey(string agent) => "agent." + agent;

    /// <summary>Adds <paramref name="id"/> (idempotent).</summary>
    Task AddAsync(string id);

    /// <summary>Removes <paramref name="id"/> (idempotent).</summary>
    Task RemoveAsync(string id);

    /// <summary>The ids, sorted.</summary>
    [AlwaysInterleave]
    Task<IReadOnlyList<string>> ListAsync();
}
