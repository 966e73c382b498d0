using Duragent.Runtime;
using Duragent.Storage;

namespace Duragent.Silo.Tests.Storage;

/// <summary>The <see cref="IReminderTable"/> contract, run against every provider by subclassing.</summary>
public abstract class ReminderTableContractTests : IAsyncLifetime
{
    protected static readonly DateTimeOffset T0 = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);

    protected IReminderTable Table { get; private set; } = null!;

    public async Task InitializeAsync() => Table = await CreateTableAsync();

    public Task DisposeAsync() => DisposeTableAsync();

    protected abstract Task<IReminderTable> CreateTableAsync();

    protected abstract Task DisposeTableAsync();

    protected static GrainId NewGrainId() => new("schedule", "r-" + Guid.NewGuid().ToString("N"));

    protected static ReminderEntry Entry(GrainId id, string name, DateTimeOffset nextDue, string? eTag = null) =>
        new(id, name, T0, TimeSpan.FromMinutes(5), MissedTickPolicy.FireOnce, T0.AddMinutes(5), nextDue, eTag);

    [Fact]
    public async Task ReadRow_OfAMissingRow_ReturnsNull()
    {
        Assert.Null(await Table.ReadRowAsync(NewGrainId(), "tick"));
    }

    [Fact]
    public async Task Upsert_ThenReadRow_ReturnsEveryField()
    {
        var id = NewGrainId();
        var precise = new DateTimeOffset(2026, 11, 21, 10, 0, 0, TimeSpan.Zero).AddTicks(1234567);
        var entry = new ReminderEntry(id, "tick", precise, TimeSpan.FromSeconds(90), MissedTickPolicy.FireOnce, null, precise.AddSeconds(90));

        var eTag = await Table.UpsertRowAsync(entry);
        var read = await Table.ReadRowAsync(id, "tick");

        Assert.NotNull(read);
        Assert.Equal(entry with { ETag = eTag }, read);
    }

    [Fact]
    public async Task Upsert_ReturnsANewETagEveryTime()
    {
        var id = NewGrainId();
        var first = await Table.UpsertRowAsync(Entry(id, "tick", T0));

        var second = await Table.UpsertRowAsync(Entry(id, "tick", T0.AddMinutes(5), first));
        var third = await Table.UpsertRowAsync(Entry(id, "tick", T0.AddMinutes(10)));

        Assert.NotEqual(first, second);
        Assert.NotEqual(second, third);
        Assert.Equal(third, (await Table.ReadRowAsync(id, "tick"))!.ETag);
    }

    [Fact]
    public async Task Upsert_WithStaleETag_ThrowsAndKeepsTheRow()
    {
        var id = NewGrainId();
        var first = await Table.UpsertRowAsync(Entry(id, "tick", T0));
        await Table.UpsertRowAsync(Entry(id, "tick", T0.AddMinutes(5), first));

        await Assert.ThrowsAsync<InconsistentStateException>(() => Table.UpsertRowAsync(Entry(id, "tick", T0.AddMinutes(30), first)));

        Assert.Equal(T0.AddMinutes(5), (await Table.ReadRowAsync(id, "tick"))!.NextDueAt);
    }

    [Fact]
    public async Task Upsert_WithETagForAMissingRow_Throws()
    {
        await Assert.ThrowsAsync<InconsistentStateException>(() => Table.UpsertRowAsync(Entry(NewGrainId(), "tick", T0, "1")));
    }

    [Fact]
    public async Task Remove_WithMatchingETag_RemovesTheRow()
    {
        var id = NewGrainId();
        var eTag = await Table.UpsertRowAsync(Entry(id, "tick", T0));

        Assert.True(await Table.RemoveRowAsync(id, "tick", eTag));

        Assert.Null(await Table.ReadRowAsync(id, "tick"));
        Assert.Empty(await Table.ReadRowsAsync(id));
    }

    [Fact]
    public async Task Remove_WithStaleETag_ReturnsFalseAndKeepsTheRow()
    {
        var id = NewGrainId();
        var first = await Table.UpsertRowAsync(Entry(id, "tick", T0));
        await Table.UpsertRowAsync(Entry(id, "tick", T0, first));

        Assert.False(await Table.RemoveRowAsync(id, "tick", first));

        Assert.NotNull(await Table.ReadRowAsync(id, "tick"));
    }

    [Fact]
    public async Task Remove_WithoutETag_IsUnconditional()
    {
        var id = NewGrainId();
        await Table.UpsertRowAsync(Entry(id, "tick", T0));

        Assert.True(await Table.RemoveRowAsync(id, "tick", null));
        Assert.False(await Table.RemoveRowAsync(id, "tick", null));
    }

    [Fact]
    public async Task Remove_OfAMissingRow_ReturnsFalse()
    {
        Assert.False(await Table.RemoveRowAsync(NewGrainId(), "tick", "1"));
    }

    [Fact]
    public async Task Row_CreatedAgainAfterRemoval_DoesNotReuseTheOldETag()
    {
        var id = NewGrainId();
        var old = await Table.UpsertRowAsync(Entry(id, "tick", T0));
        await Table.RemoveRowAsync(id, "tick", old);

        var again = await Table.UpsertRowAsync(Entry(id, "tick", T0));

        Assert.NotEqual(old, again);
        Assert.False(await Table.RemoveRowAsync(id, "tick", old));
    }

    [Fact]
    public async Task ReadRows_ReturnsOnlyThatGrainsRows()
    {
        var a = NewGrainId();
        var b = NewGrainId();
        await Table.UpsertRowAsync(Entry(a, "one", T0));
        await Table.UpsertRowAsync(Entry(a, "two", T0));
        await Table.UpsertRowAsync(Entry(b, "one", T0));

        var rows = await Table.ReadRowsAsync(a);

        Assert.Equal(["one", "two"], rows.Select(r => r.Name).Order());
        Assert.All(rows, r => Assert.Equal(a, r.GrainId));
    }

    [Fact]
    public async Task ReadDue_ReturnsRowsDueAtOrBeforeTheTime()
    {
        var id = NewGrainId();
        await Table.UpsertRowAsync(Entry(id, "past", T0.AddMinutes(-1)));
        await Table.UpsertRowAsync(Entry(id, "now", T0));
        await Table.UpsertRowAsync(Entry(id, "later", T0.AddTicks(1)));

        var due = (await Table.ReadDueAsync(T0)).Where(r => r.GrainId == id).ToList();

        Assert.Equal(["past", "now"], due.Select(r => r.Name));
    }

    [Fact]
    public async Task ReadAll_IncludesEveryRow()
    {
        var a = NewGrainId();
        var b = NewGrainId();
        await Table.UpsertRowAsync(Entry(a, "one", T0));
        await Table.UpsertRowAsync(Entry(b, "two", T0));

        var all = await Table.ReadAllAsync();

        Assert.Contains(all, r => r.GrainId == a && r.Name == "one");
        Assert.Contains(all, r => r.GrainId == b && r.Name == "two");
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("a/b")]
    [InlineData("")]
    public async Task Names_BreakingGrainKeyRules_AreRejected(string name)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Table.UpsertRowAsync(Entry(NewGrainId(), name, T0)));
        await Assert.ThrowsAsync<ArgumentException>(() => Table.UpsertRowAsync(Entry(new GrainId("schedule", name.Length == 0 ? "a/b" : name), "tick", T0)));
    }
}
