using Duragent.Memory;

namespace Duragent.Grains.Tests.Memory;

/// <summary>
/// The contract of <see cref="IMemoryStore"/>, for every backend: subclass it and return a fresh, empty store from
/// <see cref="CreateStore"/> (the file store today; a PostgreSQL store adds its own subclass).
/// </summary>
public abstract class MemoryStoreContractTests : IAsyncLifetime
{
    private static readonly DateOnly Day1 = new(2026, 12, 1);
    private static readonly DateOnly Day2 = new(2026, 12, 2);

    private IMemoryStore? _store;

    protected IMemoryStore Store => _store ?? throw new InvalidOperationException("Not initialized.");

    /// <summary>A new store with nothing in it.</summary>
    protected abstract Task<IMemoryStore> CreateStore();

    public async Task InitializeAsync() => _store = await CreateStore();

    public virtual Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Curated_IsNullUntilWritten_ThenReplacedWhole()
    {
        Assert.Null(await Store.ReadCuratedAsync("alpha"));

        var first = await Store.WriteCuratedAsync("alpha", "one\ntwo\n");
        Assert.Equal("memory/MEMORY.md", first.Location);
        await Store.WriteCuratedAsync("alpha", "three\n");

        var read = await Store.ReadCuratedAsync("alpha");
        Assert.Equal("three\n", read?.Text);
        Assert.Equal("MEMORY.md", read?.Name);
    }

    [Fact]
    public async Task Daily_StartsWithItsDateHeader_AndKeepsEntriesInOrder()
    {
        Assert.Null(await Store.ReadDailyAsync("alpha", Day1));

        await Store.AppendDailyAsync("alpha", Day1, "\n## 09:00 UTC\n\nfirst\n");
        var after = await Store.AppendDailyAsync("alpha", Day1, "\n## 09:05 UTC\n\nsecond\n");

        Assert.Equal("memory/daily/2026-12-01.md", after.Location);
        Assert.Equal("# 2026-12-01\n\n## 09:00 UTC\n\nfirst\n\n## 09:05 UTC\n\nsecond\n", after.Text);
        Assert.Equal(after.Text, (await Store.ReadDailyAsync("alpha", Day1))?.Text);
    }

    [Fact]
    public async Task ListDaily_IsOldestFirst()
    {
        await Store.AppendDailyAsync("alpha", Day2, "b\n");
        await Store.AppendDailyAsync("alpha", Day1, "a\n");

        Assert.Equal([Day1, Day2], await Store.ListDailyAsync("alpha"));
        Assert.Empty(await Store.ListDailyAsync("beta"));
    }

    [Fact]
    public async Task Agents_DoNotSeeEachOthersMemory()
    {
        await Store.WriteCuratedAsync("alpha", "alpha's\n");
        await Store.AppendDailyAsync("alpha", Day1, "alpha's day\n");

        Assert.Null(await Store.ReadCuratedAsync("beta"));
        Assert.Null(await Store.ReadDailyAsync("beta", Day1));
    }

    [Fact]
    public async Task World_IsSortedByName_AndReplacedWhole()
    {
        await Store.WriteWorldAsync("zeta", "z\n");
        await Store.WriteWorldAsync("alpha", "a1\n");
        await Store.WriteWorldAsync("alpha", "a2\n");

        var world = await Store.ListWorldAsync();
        Assert.Equal(["alpha", "zeta"], world.Select(t => t.Name));
        Assert.Equal("a2\n", world[0].Text);
        Assert.Equal("world/alpha.md", world[0].Location);
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("/etc/passwd")]
    [InlineData("a\0b")]
    [InlineData("Not Normalized")]
    public async Task World_RefusesTopicsThatAreNotNormalizedNames(string topic)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Store.WriteWorldAsync(topic, "x"));
        Assert.Empty(await Store.ListWorldAsync());
    }

    [Theory]
    [InlineData("../other")]
    [InlineData("a/b")]
    [InlineData("")]
    public async Task AgentNamesThatAreNotGrainKeys_AreRefused(string agent)
    {
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.WriteCuratedAsync(agent, "x"));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.AppendDailyAsync(agent, Day1, "x"));
    }
}
