using Orleans;
using Orleans.Runtime;

namespace Duragent.Storage.File.Tests;

/// <summary>
/// Orleans' <see cref="IReminderTable"/> contract (after its ReminderTableTestsBase), run against every provider by
/// subclassing: unconditional upserts with a new ETag each time, removals conditional on the ETag, and ring-range reads
/// by <see cref="GrainId.GetUniformHashCode"/> in <c>(begin, end]</c>, wrapping when <c>begin ≥ end</c>.
/// Each test starts with an empty table.
/// </summary>
public abstract class ReminderTableContractTests : IAsyncLifetime
{
    protected static readonly DateTime T0 = new(2026, 11, 21, 10, 0, 0, DateTimeKind.Utc);

    protected IReminderTable Table { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Table = await CreateTableAsync();
        await Table.StartAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await Table.StopAsync(CancellationToken.None);
        await DisposeTableAsync();
    }

    protected abstract Task<IReminderTable> CreateTableAsync();

    protected abstract Task DisposeTableAsync();

    protected static GrainId NewGrainId() => GrainId.Create("schedule", "r-" + Guid.NewGuid().ToString("N"));

    protected static ReminderEntry Entry(GrainId id, string name, DateTime? startAt = null, TimeSpan? period = null, string? eTag = null) => new()
    {
        GrainId = id,
        ReminderName = name,
        StartAt = startAt ?? T0,
        Period = period ?? TimeSpan.FromMinutes(5),
        ETag = eTag!,
    };

    [ContractFact]
    public async Task ReadRow_OfAMissingRow_ReturnsNull()
    {
        Assert.Null(await Table.ReadRow(NewGrainId(), "tick"));
    }

    [ContractFact]
    public async Task Upsert_ThenReadRow_ReturnsEveryField()
    {
        var id = NewGrainId();
        var precise = T0.AddTicks(1234567);

        var eTag = await Table.UpsertRow(Entry(id, "tick", precise, TimeSpan.FromSeconds(90)));
        var read = await Table.ReadRow(id, "tick");

        Assert.NotNull(eTag);
        Assert.NotNull(read);
        Assert.Equal(id, read.GrainId);
        Assert.Equal("tick", read.ReminderName);
        Assert.Equal(precise, read.StartAt);
        Assert.Equal(DateTimeKind.Utc, read.StartAt.Kind);
        Assert.Equal(TimeSpan.FromSeconds(90), read.Period);
        Assert.Equal(eTag, read.ETag);
    }

    [ContractFact]
    public async Task Upsert_ReadsBackAnUnspecifiedStartAsUtc()
    {
        var id = NewGrainId();
        var unspecified = DateTime.SpecifyKind(T0, DateTimeKind.Unspecified);

        await Table.UpsertRow(Entry(id, "tick", unspecified));

        var read = await Table.ReadRow(id, "tick");
        Assert.Equal(T0, read!.StartAt);
        Assert.Equal(DateTimeKind.Utc, read.StartAt.Kind);
    }

    [ContractFact]
    public async Task Upsert_ReturnsANewETagEveryTime_AndReplacesTheRow()
    {
        var id = NewGrainId();
        var first = await Table.UpsertRow(Entry(id, "tick"));

        var second = await Table.UpsertRow(Entry(id, "tick", T0.AddMinutes(5), eTag: first));
        var third = await Table.UpsertRow(Entry(id, "tick", T0.AddMinutes(10), TimeSpan.FromHours(1)));

        Assert.NotEqual(first, second);
        Assert.NotEqual(second, third);
        var read = await Table.ReadRow(id, "tick");
        Assert.Equal(third, read!.ETag);
        Assert.Equal(T0.AddMinutes(10), read.StartAt);
        Assert.Equal(TimeSpan.FromHours(1), read.Period);
        Assert.Single((await Table.ReadRows(id)).Reminders);
    }

    [ContractFact]
    public async Task Upsert_IsUnconditional_WhateverETagTheEntryCarries()
    {
        var id = NewGrainId();
        var first = await Table.UpsertRow(Entry(id, "tick"));
        await Table.UpsertRow(Entry(id, "tick"));

        var stale = await Table.UpsertRow(Entry(id, "tick", T0.AddMinutes(30), eTag: first));
        var madeUp = await Table.UpsertRow(Entry(NewGrainId(), "tick", eTag: "no-such-version"));

        Assert.Equal(stale, (await Table.ReadRow(id, "tick"))!.ETag);
        Assert.NotNull(madeUp);
    }

    [ContractTheory]
    [InlineData(0)]
    [InlineData(-1)]
    public async Task Upsert_WithoutAPositivePeriod_IsRejected(int seconds)
    {
        var id = NewGrainId();

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Table.UpsertRow(Entry(id, "tick", period: TimeSpan.FromSeconds(seconds))));

        Assert.Null(await Table.ReadRow(id, "tick"));
    }

    [ContractFact]
    public async Task ReadRows_HandsOutCopies()
    {
        var id = NewGrainId();
        await Table.UpsertRow(Entry(id, "tick"));

        var read = await Table.ReadRow(id, "tick");
        read!.Period = TimeSpan.FromDays(9);
        (await Table.ReadRows(id)).Reminders[0].StartAt = DateTime.UnixEpoch;

        var again = await Table.ReadRow(id, "tick");
        Assert.Equal(TimeSpan.FromMinutes(5), again!.Period);
        Assert.Equal(T0, again.StartAt);
    }

    [ContractFact]
    public async Task Remove_WithMatchingETag_RemovesTheRow()
    {
        var id = NewGrainId();
        var eTag = await Table.UpsertRow(Entry(id, "tick"));

        Assert.True(await Table.RemoveRow(id, "tick", eTag!));

        Assert.Null(await Table.ReadRow(id, "tick"));
        Assert.Empty((await Table.ReadRows(id)).Reminders);
        Assert.Empty((await Table.ReadRows(0, 0)).Reminders);
    }

    [ContractFact]
    public async Task Remove_WithStaleETag_ReturnsFalseAndKeepsTheRow()
    {
        var id = NewGrainId();
        var first = await Table.UpsertRow(Entry(id, "tick"));
        await Table.UpsertRow(Entry(id, "tick"));

        Assert.False(await Table.RemoveRow(id, "tick", first!));

        Assert.NotNull(await Table.ReadRow(id, "tick"));
    }

    [ContractFact]
    public async Task Remove_WithoutAnETag_ReturnsFalseAndKeepsTheRow()
    {
        var id = NewGrainId();
        await Table.UpsertRow(Entry(id, "tick"));

        Assert.False(await Table.RemoveRow(id, "tick", null!));

        Assert.NotNull(await Table.ReadRow(id, "tick"));
    }

    [ContractFact]
    public async Task Remove_OfAMissingRow_ReturnsFalse()
    {
        Assert.False(await Table.RemoveRow(NewGrainId(), "tick", "1"));
    }

    [ContractFact]
    public async Task Remove_Twice_ReturnsFalseTheSecondTime()
    {
        var id = NewGrainId();
        var eTag = await Table.UpsertRow(Entry(id, "tick"));

        Assert.True(await Table.RemoveRow(id, "tick", eTag!));
        Assert.False(await Table.RemoveRow(id, "tick", eTag!));
    }

    [ContractFact]
    public async Task Row_CreatedAgainAfterRemoval_DoesNotReuseTheOldETag()
    {
        var id = NewGrainId();
        var old = await Table.UpsertRow(Entry(id, "tick"));
        await Table.RemoveRow(id, "tick", old!);

        var again = await Table.UpsertRow(Entry(id, "tick"));

        Assert.NotEqual(old, again);
        Assert.False(await Table.RemoveRow(id, "tick", old!));
        Assert.NotNull(await Table.ReadRow(id, "tick"));
    }

    [ContractFact]
    public async Task ReadRows_ReturnsOnlyThatGrainsRows()
    {
        var a = NewGrainId();
        var b = NewGrainId();
        await Table.UpsertRow(Entry(a, "one"));
        await Table.UpsertRow(Entry(a, "two"));
        await Table.UpsertRow(Entry(b, "one"));

        var rows = (await Table.ReadRows(a)).Reminders;

        Assert.Equal(["one", "two"], rows.Select(r => r.ReminderName).Order());
        Assert.All(rows, r => Assert.Equal(a, r.GrainId));
        Assert.Empty((await Table.ReadRows(NewGrainId())).Reminders);
    }

    [ContractFact]
    public async Task GrainTypes_WithTheSameKey_HaveTheirOwnRows()
    {
        await Table.UpsertRow(Entry(GrainId.Create("alpha", "k1"), "tick", period: TimeSpan.FromMinutes(1)));
        await Table.UpsertRow(Entry(GrainId.Create("beta", "k1"), "tick", period: TimeSpan.FromMinutes(2)));

        Assert.Equal(TimeSpan.FromMinutes(1), (await Table.ReadRow(GrainId.Create("alpha", "k1"), "tick"))!.Period);
        Assert.Single((await Table.ReadRows(GrainId.Create("beta", "k1"))).Reminders);
    }

    [ContractFact]
    public async Task ReadRange_ReturnsRowsAboveBeginUpToAndIncludingEnd()
    {
        var grains = await UpsertGrainsAsync(20);

        var rows = await RangeAsync(grains[5].Hash, grains[12].Hash);

        // Exactly on the bounds: the row at begin is left out, the row at end is in.
        Assert.Equal(Keys(grains[6..13]), rows);
    }

    [ContractFact]
    public async Task ReadRange_WithBeginAboveEnd_WrapsAroundZero()
    {
        var grains = await UpsertGrainsAsync(20);

        var rows = await RangeAsync(grains[12].Hash, grains[5].Hash);

        Assert.Equal(Keys([.. grains[13..], .. grains[..6]]), rows);
    }

    [ContractFact]
    public async Task ReadRange_OfOneHash_ReturnsTheRowsOfThatHashOnly()
    {
        var grains = await UpsertGrainsAsync(10);
        var target = grains.First(g => g.Hash > 0);

        var rows = await RangeAsync(target.Hash - 1, target.Hash);

        Assert.Equal(Keys(grains.Where(g => g.Hash == target.Hash)), rows);
    }

    [ContractTheory]
    [InlineData(0u)]
    [InlineData(1u << 31)]
    [InlineData(uint.MaxValue)]
    public async Task ReadRange_WithEqualBounds_IsTheWholeRing(uint bound)
    {
        var grains = await UpsertGrainsAsync(10);

        Assert.Equal(Keys(grains), await RangeAsync(bound, bound));
    }

    [ContractFact]
    public async Task ReadRange_WithEqualBoundsAtARowsHash_IsTheWholeRing()
    {
        var grains = await UpsertGrainsAsync(10);

        Assert.Equal(Keys(grains), await RangeAsync(grains[3].Hash, grains[3].Hash));
    }

    [ContractFact]
    public async Task ReadRange_FromZeroToMax_LeavesOutOnlyHashZero()
    {
        var grains = await UpsertGrainsAsync(10);

        Assert.Equal(Keys(grains.Where(g => g.Hash != 0)), await RangeAsync(0, uint.MaxValue));
    }

    [ContractFact]
    public async Task ReadRange_OfRangesSplittingTheRing_ReturnsEveryRowExactlyOnce()
    {
        var grains = await UpsertGrainsAsync(30);

        // Three silos' worth of ranges, one of them wrapping, as the consistent ring hands them out.
        uint[] points = [grains[4].Hash, 0x5555_5555u, grains[20].Hash, 0xF000_0000u];
        Array.Sort(points);
        var seen = new List<string>();
        for (var i = 0; i < points.Length; i++)
        {
            seen.AddRange(await RangeAsync(points[i], points[(i + 1) % points.Length]));
        }

        Assert.Equal(Keys(grains), seen.Order().ToList());
    }

    [ContractFact]
    public async Task ReadRange_ReturnsEveryRowOfAGrain()
    {
        var id = NewGrainId();
        await Table.UpsertRow(Entry(id, "one"));
        await Table.UpsertRow(Entry(id, "two"));
        var hash = id.GetUniformHashCode();

        var rows = (await Table.ReadRows(hash - 1, hash)).Reminders;

        Assert.Equal(["one", "two"], rows.Select(r => r.ReminderName).Order());
    }

    [ContractFact]
    public async Task TestOnlyClearTable_RemovesEveryRow()
    {
        var grains = await UpsertGrainsAsync(5);
        var old = (await Table.ReadRow(grains[0].Id, "tick"))!.ETag;

        await Table.TestOnlyClearTable();

        Assert.Empty((await Table.ReadRows(0, 0)).Reminders);
        Assert.Null(await Table.ReadRow(grains[0].Id, "tick"));
        var again = await Table.UpsertRow(Entry(grains[0].Id, "tick"));
        Assert.NotEqual(old, again);
    }

    [ContractTheory]
    [InlineData("../x")]
    [InlineData("a/b")]
    [InlineData("")]
    [InlineData(".hidden")]
    public async Task ReminderNames_BreakingGrainKeyRules_AreRejected(string name)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Table.UpsertRow(Entry(NewGrainId(), name)));
        await Assert.ThrowsAsync<ArgumentException>(() => Table.ReadRow(NewGrainId(), name));
    }

    [ContractTheory]
    [InlineData("schedule", "../x")]
    [InlineData("schedule", "a/b")]
    [InlineData("schedule", "Сергей")]
    [InlineData("a/b", "k1")]
    [InlineData("my grain", "k1")]
    public async Task GrainIds_BreakingGrainKeyRules_AreRejected(string type, string key)
    {
        var id = GrainId.Create(type, key);

        await Assert.ThrowsAsync<ArgumentException>(() => Table.UpsertRow(Entry(id, "tick")));
        await Assert.ThrowsAsync<ArgumentException>(() => Table.ReadRows(id));
    }

    [ContractFact]
    public async Task DefaultGrainId_IsRejected()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Table.UpsertRow(Entry(default, "tick")));
    }

    private static List<string> Keys(IEnumerable<(GrainId Id, uint Hash)> grains) =>
        [.. grains.Select(g => g.Id.ToString()).Order()];

    // Grains with one row each, sorted by their uniform hash (all distinct).
    private async Task<(GrainId Id, uint Hash)[]> UpsertGrainsAsync(int count)
    {
        var grains = new List<(GrainId Id, uint Hash)>();
        while (grains.Count < count)
        {
            var id = NewGrainId();
            var hash = id.GetUniformHashCode();
            if (grains.All(g => g.Hash != hash))
            {
                grains.Add((id, hash));
                await Table.UpsertRow(Entry(id, "tick"));
            }
        }

        return [.. grains.OrderBy(g => g.Hash)];
    }

    private async Task<List<string>> RangeAsync(uint begin, uint end) =>
        [.. (await Table.ReadRows(begin, end)).Reminders.Select(r => r.GrainId.ToString()).Order()];
}
