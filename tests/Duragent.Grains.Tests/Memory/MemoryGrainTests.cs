using System.Globalization;
using Duragent.Memory;
using Duragent.Storage.File;
using Duragent.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Duragent.Grains.Tests.Memory;

/// <summary>Every memory action through the memory grain in a one-silo test cluster, on the file store.</summary>
public sealed class MemoryGrainTests : IAsyncLifetime
{
    private readonly TempDirectory _directory = new("memory-grain");
    private FileMemoryStore _store = null!;
    private TestSilo? _silo;

    public async Task InitializeAsync()
    {
        _store = new FileMemoryStore(Path.Combine(_directory.Path, "agents"), Path.Combine(_directory.Path, "world"));
        _silo = await TestSilo.StartAsync(b => b.Services.AddSingleton<IMemoryStore>(_store));
    }

    public async Task DisposeAsync()
    {
        if (_silo is not null)
        {
            await _silo.DisposeAsync();
        }

        _directory.Dispose();
    }

    private IMemoryGrain Memory(string agent = "alpha") => _silo!.GrainFactory.GetGrain<IMemoryGrain>(agent);

    private static DateOnly Today => DateOnly.FromDateTime(DateTime.UtcNow);

    private string DailyFile(DateOnly day, string agent = "alpha") =>
        Path.Combine(_directory.Path, "agents", agent, "memory", "daily", day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + ".md");

    [Fact]
    public async Task Recall_WithNothingStored_SaysSo()
    {
        Assert.Equal("No memories found.", await Memory().RecallAsync(3));
    }

    [Fact]
    public async Task Remember_AppendsADatedEntryToTodaysLog()
    {
        var before = Today;
        var answer = await Memory().RememberAsync("  Ada likes tea.  ");
        var day = File.Exists(DailyFile(before)) ? before : Today;

        Assert.Equal($"Remembered. Written to memory/daily/{day:yyyy-MM-dd}.md.", answer);
        await Memory().RememberAsync("Ada's cat is called Turing.");
        var text = await File.ReadAllTextAsync(DailyFile(day));
        Assert.Matches(@"^# \d{4}-\d{2}-\d{2}\n\n## \d{2}:\d{2} UTC\n\nAda likes tea\.\n\n## \d{2}:\d{2} UTC\n\nAda's cat is called Turing\.\n$", text);
    }

    [Fact]
    public async Task Recall_JoinsWorldCuratedAndRecentDays_InThatOrder_WithinTheWindow()
    {
        await _store.WriteWorldAsync("zeta", "Zeta facts.\n");
        await _store.WriteWorldAsync("alpha", "Alpha facts.\n");
        await _store.WriteCuratedAsync("alpha", "Curated fact.\n");
        await _store.AppendDailyAsync("alpha", Today.AddDays(-1), "\n## 10:00 UTC\n\nYesterday's note.\n");
        await _store.AppendDailyAsync("alpha", Today.AddDays(-5), "\n## 10:00 UTC\n\nOld note.\n");

        var recall = await Memory().RecallAsync(3);

        var sections = recall.Split("\n\n---\n\n");
        Assert.Equal(3, sections.Length);
        Assert.Equal("# World Knowledge\n\n## alpha\n\nAlpha facts.\n\n## zeta\n\nZeta facts.", sections[0]);
        Assert.Equal("# Your Memory\n\nCurated fact.", sections[1]);
        Assert.StartsWith("# Recent Experiences\n\n# ", sections[2], StringComparison.Ordinal);
        Assert.Contains("Yesterday's note.", sections[2], StringComparison.Ordinal);
        Assert.DoesNotContain("Old note.", recall, StringComparison.Ordinal);
        Assert.Contains("Old note.", await Memory().RecallAsync(7), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reflect_ReadsThenReplacesTheCuratedMemory()
    {
        Assert.Contains("is empty", await Memory().ReflectAsync(null), StringComparison.Ordinal);

        Assert.StartsWith("Curated memory replaced: memory/MEMORY.md", await Memory().ReflectAsync("First version."), StringComparison.Ordinal);
        await Memory().ReflectAsync("Second version.");

        Assert.Equal("Second version.\n", await Memory().ReflectAsync(null));
        Assert.Equal("Second version.\n", await File.ReadAllTextAsync(Path.Combine(_directory.Path, "agents", "alpha", "memory", "MEMORY.md")));
    }

    [Fact]
    public async Task UpdateWorld_WritesANormalizedTopicThatOtherAgentsRecall()
    {
        var answer = await Memory("alpha").UpdateWorldAsync("Project Alpha", "Ships on Fridays.");

        Assert.Contains("world/project-alpha.md", answer, StringComparison.Ordinal);
        Assert.Equal("Ships on Fridays.\n", await File.ReadAllTextAsync(Path.Combine(_directory.Path, "world", "project-alpha.md")));
        Assert.Contains("## project-alpha\n\nShips on Fridays.", await Memory("beta").RecallAsync(1), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../../agents/alpha/agent")]
    [InlineData("/etc/cron.d/evil")]
    [InlineData("evil\0.md")]
    [InlineData("nul")]
    public async Task UpdateWorld_UnsafeTopic_IsRefusedAndWritesNothing(string topic)
    {
        var error = await Assert.ThrowsAsync<MemoryException>(() => Memory().UpdateWorldAsync(topic, "pwned"));

        Assert.Contains("topic", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(Directory.EnumerateFiles(_directory.Path, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Writes_RefuseEmptyNulAndOversizedContent()
    {
        Assert.Contains("needs 'content'", (await Assert.ThrowsAsync<MemoryException>(() => Memory().RememberAsync("   "))).Message, StringComparison.Ordinal);
        Assert.Contains("NUL", (await Assert.ThrowsAsync<MemoryException>(() => Memory().RememberAsync("a\0b"))).Message, StringComparison.Ordinal);
        Assert.Contains("the most is", (await Assert.ThrowsAsync<MemoryException>(() => Memory().ReflectAsync(new string('x', MemoryGrain.MaxDocumentLength + 1)))).Message, StringComparison.Ordinal);
        Assert.Contains("the most is", (await Assert.ThrowsAsync<MemoryException>(() => Memory().RememberAsync(new string('x', MemoryGrain.MaxEntryLength + 1)))).Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFiles(_directory.Path, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Search_RanksSnippetsAcrossEveryMemoryFile()
    {
        await _store.WriteWorldAsync("infra", "The blue pipeline deploys the site.\n");
        await _store.WriteCuratedAsync("alpha", "Ada prefers tea.\n");
        await _store.AppendDailyAsync("alpha", Today.AddDays(-40), "\n## 08:00 UTC\n\nAda asked to deploy with the blue pipeline again.\n");

        var hits = await Memory().SearchAsync("blue pipeline deploy", 5);

        Assert.Equal(2, hits.Count);
        Assert.Contains(hits, h => h.Location == "world/infra.md" && h.Line == 1);
        Assert.Contains(hits, h => h.Location.StartsWith("memory/daily/", StringComparison.Ordinal));
        Assert.Equal("memory/MEMORY.md", Assert.Single(await Memory().SearchAsync("tea", 5)).Location);
        await Assert.ThrowsAsync<MemoryException>(() => Memory().SearchAsync("  ", 5));
    }

    [Fact]
    public async Task ConcurrentRemembers_OfOneAgent_AreAllKept()
    {
        var writes = Enumerable.Range(0, 50).Select(i => Memory().RememberAsync($"note {i:00}"));
        await Task.WhenAll(writes);

        var text = string.Concat(Directory.EnumerateFiles(Path.GetDirectoryName(DailyFile(Today))!).Select(File.ReadAllText));
        for (var i = 0; i < 50; i++)
        {
            Assert.Contains($"\n\nnote {i:00}\n", text, StringComparison.Ordinal);
        }

        Assert.Equal(50, text.Split("\n## ").Length - 1);
    }
}
