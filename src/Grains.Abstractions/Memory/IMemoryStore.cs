namespace Duragent.Memory;

/// <summary>
/// Where memory lives: each agent's curated memory and daily logs, and the workspace's world topics. The
/// memory grain (<see cref="IMemoryGrain"/>) is the only caller for an agent's memory, so implementations need not serialize writes of
/// one agent; they must make each write atomic (a reader sees the old text or the new, never a mix; an append is whole
/// or, after a power loss, at most cut at its end) and durable when the call returns. Names reaching a store are
/// already checked (<see cref="MemoryTopics"/>, grain keys). One conformance suite covers every implementation
/// (<c>MemoryStoreContractTests</c>).
/// </summary>
public interface IMemoryStore
{
    /// <summary>An agent's memory directory, relative to the agent directory: <c>memory</c>.</summary>
    public const string MemoryDirectoryName = "memory";

    /// <summary>The curated memory file: <c>MEMORY.md</c>.</summary>
    public const string CuratedFileName = "MEMORY.md";

    /// <summary>The daily logs' directory inside the memory directory: <c>daily</c>.</summary>
    public const string DailyDirectoryName = "daily";

    /// <summary>The agent's curated memory; null when there is none.</summary>
    Task<MemoryDocument?> ReadCuratedAsync(string agent, CancellationToken cancellationToken = default);

    /// <summary>Replaces the agent's curated memory with <paramref name="content"/>, atomically.</summary>
    Task<MemoryDocument> WriteCuratedAsync(string agent, string content, CancellationToken cancellationToken = default);

    /// <summary>The agent's log of <paramref name="day"/>; null when nothing was remembered that day.</summary>
    Task<MemoryDocument?> ReadDailyAsync(string agent, DateOnly day, CancellationToken cancellationToken = default);

    /// <summary>
    /// Appends <paramref name="entry"/> to the agent's log of <paramref name="day"/>. A day's log starts with the line
    /// <c># YYYY-MM-DD</c>, written by the store with the first entry; entries follow as given.
    /// </summary>
    Task<MemoryDocument> AppendDailyAsync(string agent, DateOnly day, string entry, CancellationToken cancellationToken = default);

    /// <summary>The days the agent has a log for, oldest first.</summary>
    Task<IReadOnlyList<DateOnly>> ListDailyAsync(string agent, CancellationToken cancellationToken = default);

    /// <summary>Every world topic, sorted by name (ordinal).</summary>
    Task<IReadOnlyList<MemoryDocument>> ListWorldAsync(CancellationToken cancellationToken = default);

    /// <summary>Replaces (or creates) the world topic <paramref name="topic"/> with <paramref name="content"/>, atomically.</summary>
    Task<MemoryDocument> WriteWorldAsync(string topic, string content, CancellationToken cancellationToken = default);
}

/// <summary>One memory file.</summary>
/// <param name="Name">The topic (world), <c>MEMORY.md</c> (curated) or the day <c>YYYY-MM-DD</c> (daily).</param>
/// <param name="Location">
/// Where it is, as the model and the docs name it: <c>world/&lt;topic&gt;.md</c>, <c>memory/MEMORY.md</c>,
/// <c>memory/daily/YYYY-MM-DD.md</c> (the same for every store).
/// </param>
/// <param name="Text">The whole text.</param>
public sealed record MemoryDocument(string Name, string Location, string Text);
