namespace Duragent.Memory;

/// <summary>
/// The memory of one agent (key = agent name): its curated <c>MEMORY.md</c>, its daily logs, and its access to the
/// workspace's world memory. Every write of the agent's memory goes through this grain, one at a time, so sessions of
/// the agent on any silo never lose a write to a race. Throws <see cref="MemoryException"/> for bad input (a topic
/// that is not a safe name, empty or oversized content); its message is meant for the model.
/// </summary>
[Alias("duragent.memory")]
public interface IMemoryGrain : IGrainWithStringKey
{
    /// <summary>World knowledge, the curated memory and the daily logs of the last <paramref name="days"/> days (today included).</summary>
    Task<string> RecallAsync(int days);

    /// <summary>Appends <paramref name="content"/> to today's daily log; returns where it was written.</summary>
    Task<string> RememberAsync(string content);

    /// <summary>The curated memory as it is (<paramref name="content"/> null), or replaced by <paramref name="content"/>.</summary>
    Task<string> ReflectAsync(string? content);

    /// <summary>Replaces the world memory topic <paramref name="topic"/> (shared by every agent) with <paramref name="content"/>.</summary>
    Task<string> UpdateWorldAsync(string topic, string content);

    /// <summary>The <paramref name="limit"/> best-matching snippets of every memory file for <paramref name="query"/>, best first.</summary>
    Task<IReadOnlyList<MemorySnippet>> SearchAsync(string query, int limit);
}

/// <summary>One search hit: where it is (<c>memory/daily/2026-12-03.md:14</c>), how well it matched, and the text around it.</summary>
[GenerateSerializer]
[Alias("duragent.memory-snippet")]
public sealed record MemorySnippet([Id(0)] string Location, [Id(1)] int Line, [Id(2)] double Score, [Id(3)] string Text);

/// <summary>A memory request the grain refuses; the message says why, in words the model can act on.</summary>
[GenerateSerializer]
[Alias("duragent.memory-exception")]
public sealed class MemoryException(string message) : Exception(message);
