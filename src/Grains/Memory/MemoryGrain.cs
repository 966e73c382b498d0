using System.Globalization;
using System.Text;

namespace Duragent.Memory;

/// <summary>
/// The <see cref="IMemoryGrain"/> of one agent. Not reentrant: the writes of every session of the agent, on whatever
/// silo, run here one after the other, so no append or replace of the agent's memory is lost to a race. World topics
/// are shared by all agents; each replace is atomic and the last one wins. Daily logs are dated in UTC (so silos in
/// different time zones agree on "today").
/// </summary>
[GrainType(GrainTypeName)]
public sealed class MemoryGrain(IMemoryStore store, TimeProvider clock) : Grain, IMemoryGrain
{
    /// <summary>The grain type name: a durable identifier.</summary>
    public const string GrainTypeName = "memory";

    /// <summary>The longest text one <c>remember</c> may add: 16 KiB characters.</summary>
    public const int MaxEntryLength = 16 * 1024;

    /// <summary>The longest curated memory or world topic: 64 KiB characters.</summary>
    public const int MaxDocumentLength = 64 * 1024;

    /// <summary>The most days <c>recall</c> reaches back: 30.</summary>
    public const int MaxRecallDays = 30;

    /// <summary>The most search hits: 20.</summary>
    public const int MaxSearchResults = 20;

    private string Agent => this.GetPrimaryKeyString();

    public async Task<string> RecallAsync(int days)
    {
        days = Math.Clamp(days, 1, MaxRecallDays);
        var world = await store.ListWorldAsync();
        var curated = await store.ReadCuratedAsync(Agent);
        var today = Today();
        var recent = new List<MemoryDocument>();
        for (var back = days - 1; back >= 0; back--)
        {
            if (await store.ReadDailyAsync(Agent, today.AddDays(-back)) is { } log && log.Text.Trim().Length > 0)
            {
                recent.Add(log);
            }
        }

        var sections = new List<string>();
        var worldTopics = world.Where(t => t.Text.Trim().Length > 0).ToList();
        if (worldTopics.Count > 0)
        {
            sections.Add("# World Knowledge\n\n" + string.Join("\n\n", worldTopics.Select(t => $"## {t.Name}\n\n{t.Text.Trim()}")));
        }

        if (curated is { } memory && memory.Text.Trim().Length > 0)
        {
            sections.Add("# Your Memory\n\n" + memory.Text.Trim());
        }

        if (recent.Count > 0)
        {
            sections.Add("# Recent Experiences\n\n" + string.Join("\n\n", recent.Select(d => d.Text.Trim())));
        }

        return sections.Count == 0 ? "No memories found." : string.Join("\n\n---\n\n", sections);
    }

    public async Task<string> RememberAsync(string content)
    {
        var text = Require(content, "remember", "what to remember", MaxEntryLength);
        var now = clock.GetUtcNow();
        var entry = $"\n## {now.ToString("HH:mm", CultureInfo.InvariantCulture)} UTC\n\n{text}\n";
        var log = await store.AppendDailyAsync(Agent, DateOnly.FromDateTime(now.UtcDateTime), entry);
        return $"Remembered. Written to {log.Location}.";
    }

    public async Task<string> ReflectAsync(string? content)
    {
        if (content is null)
        {
            var current = await store.ReadCuratedAsync(Agent);
            return current is { } memory && memory.Text.Trim().Length > 0
                ? memory.Text
                : $"Your curated memory ({IMemoryStore.MemoryDirectoryName}/{IMemoryStore.CuratedFileName}) is empty. Call reflect with 'content' to write it: the lasting facts, preferences and lessons worth keeping.";
        }

        var text = Require(content, "reflect", "the whole new curated memory", MaxDocumentLength);
        var written = await store.WriteCuratedAsync(Agent, text.EndsWith('\n') ? text : text + "\n");
        return $"Curated memory replaced: {written.Location} ({text.Length} characters).";
    }

    public async Task<string> UpdateWorldAsync(string topic, string content)
    {
        if (!MemoryTopics.TryNormalize(topic, out var name, out var problem))
        {
            throw new MemoryException(problem);
        }

        var text = Require(content, "update_world", "the topic's whole new text", MaxDocumentLength);
        var written = await store.WriteWorldAsync(name, text.EndsWith('\n') ? text : text + "\n");
        return $"World knowledge '{name}' replaced: {written.Location} ({text.Length} characters). Every agent of the workspace sees it.";
    }

    public async Task<IReadOnlyList<MemorySnippet>> SearchAsync(string query, int limit)
    {
        if (string.IsNullOrWhiteSpace(query) || MemorySearch.Terms(query).Count == 0)
        {
            throw new MemoryException("search needs 'query': one or more words to look for.");
        }

        var documents = new List<MemoryDocument>(await store.ListWorldAsync());
        if (await store.ReadCuratedAsync(Agent) is { } curated)
        {
            documents.Add(curated);
        }

        var days = await store.ListDailyAsync(Agent);
        for (var i = days.Count - 1; i >= 0; i--)
        {
            if (await store.ReadDailyAsync(Agent, days[i]) is { } log)
            {
                documents.Add(log);
            }
        }

        return MemorySearch.Search(documents, query, Math.Clamp(limit, 1, MaxSearchResults));
    }

    private DateOnly Today() => DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);

    private static string Require(string? content, string action, string what, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(content))
        {
            throw new MemoryException($"{action} needs 'content': {what}.");
        }

        if (content.Contains('\0', StringComparison.Ordinal))
        {
            throw new MemoryException($"{action}: the content contains a NUL character.");
        }

        var text = content.Trim();
        if (text.Length > maxLength)
        {
            throw new MemoryException($"{action}: the content is {text.Length} characters long; the most is {maxLength}. Keep memories short, or split them.");
        }

        return text;
    }
}
