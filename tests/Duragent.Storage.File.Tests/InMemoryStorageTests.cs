using System.Text;
using System.Text.Json;
using Duragent.Testing;
using Microsoft.Extensions.DependencyInjection;
using Orleans;
using Orleans.Runtime;
using Orleans.Storage;

namespace Duragent.Storage.File.Tests;

public sealed class InMemoryStorageTests
{
    private static readonly GrainId Id = GrainId.Create("session", "s1");

    public sealed class Doc
    {
        public string Text { get; set; } = "";
    }

    [Fact]
    public async Task GrainStorage_MissingRecord_ReadsFresh()
    {
        var state = new GrainState<Doc> { State = new Doc { Text = "old" }, ETag = "x", RecordExists = true };

        await new InMemoryGrainStorage().ReadStateAsync("doc", Id, state);

        Assert.Equal("", state.State!.Text);
        Assert.Null(state.ETag);
        Assert.False(state.RecordExists);
    }

    [Fact]
    public async Task GrainStorage_WriteChangesETag_AndStaleWriteFails()
    {
        var storage = new InMemoryGrainStorage();
        var mine = new GrainState<Doc> { State = new Doc { Text = "a" } };
        await storage.WriteStateAsync("doc", Id, mine);
        var firstETag = mine.ETag;
        var stale = new GrainState<Doc>();
        await storage.ReadStateAsync("doc", Id, stale);

        await storage.WriteStateAsync("doc", Id, mine);
        Assert.NotEqual(firstETag, mine.ETag);

        stale.State!.Text = "b";
        var ex = await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("doc", Id, stale));
        Assert.Equal(mine.ETag, ex.StoredEtag);
        Assert.Equal(firstETag, ex.CurrentEtag);
    }

    [Fact]
    public async Task GrainStorage_DuplicateFirstWrite_Fails()
    {
        var storage = new InMemoryGrainStorage();
        await storage.WriteStateAsync("doc", Id, new GrainState<Doc>());

        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("doc", Id, new GrainState<Doc>()));
    }

    [Fact]
    public async Task GrainStorage_StoresACopy_AndKeysByGrainTypeAndStateName()
    {
        var storage = new InMemoryGrainStorage();
        var state = new GrainState<Doc> { State = new Doc { Text = "saved" } };
        await storage.WriteStateAsync("doc", Id, state);
        state.State!.Text = "not saved";

        var read = new GrainState<Doc>();
        await storage.ReadStateAsync("doc", Id, read);
        var otherType = new GrainState<Doc>();
        await storage.ReadStateAsync("doc", GrainId.Create("agent", "s1"), otherType);
        var otherName = new GrainState<Doc>();
        await storage.ReadStateAsync("other", Id, otherName);

        Assert.Equal("saved", read.State!.Text);
        Assert.False(otherType.RecordExists);
        Assert.False(otherName.RecordExists);
    }

    [Fact]
    public async Task GrainStorage_Clear_IsConditional_AndResetsState()
    {
        var storage = new InMemoryGrainStorage();
        var state = new GrainState<Doc> { State = new Doc { Text = "a" } };
        await storage.WriteStateAsync("doc", Id, state);
        var stale = new GrainState<Doc> { ETag = "stale" };

        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync("doc", Id, stale));
        await storage.ClearStateAsync("doc", Id, state);

        Assert.False(state.RecordExists);
        Assert.Null(state.ETag);
        Assert.Equal("", state.State!.Text);
        await storage.WriteStateAsync("doc", Id, state);
        Assert.True(state.RecordExists);
    }

    [Fact]
    public async Task EventLog_AppendsWithSequenceCheck_AndBuildsEnvelope()
    {
        var log = new InMemoryEventLogStorage();
        var ts = new DateTimeOffset(2026, 11, 21, 10, 0, 0, 123, TimeSpan.Zero);

        Assert.Equal(3, await log.AppendAsync(Id, 1, [Event("user_message", ts, """{"text":"hi"}"""), Event("status_changed", ts, "{}")]));
        var ex = await Assert.ThrowsAsync<InconsistentStateException>(() => log.AppendAsync(Id, 2, [Event("x", ts, "{}")]));
        Assert.Contains("expected next sequence number 2", ex.Message, StringComparison.Ordinal);

        var events = await ToListAsync(log.ReadAsync(Id, 1));
        Assert.Equal([1L, 2L], events.Select(e => e.Seq));
        Assert.Equal("""{"seq":1,"ts":"2026-11-21T10:00:00.123Z","type":"user_message","text":"hi"}""", Encoding.UTF8.GetString(events[0].Json.Span));
        Assert.Equal(new EventLogInfo(1, 3), await log.GetInfoAsync(Id));
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("""{"seq":5}""")]
    [InlineData("""{"type":"x"}""")]
    [InlineData("not json")]
    public async Task EventLog_RejectsBadPayload_AndStoresNothing(string payload)
    {
        var log = new InMemoryEventLogStorage();

        await Assert.ThrowsAsync<ArgumentException>(() => log.AppendAsync(Id, 1, [Event("ok", DateTimeOffset.UnixEpoch, "{}"), Event("bad", DateTimeOffset.UnixEpoch, payload)]));

        Assert.Equal(new EventLogInfo(1, 1), await log.GetInfoAsync(Id));
    }

    [Fact]
    public async Task EventLog_Compaction_ArchivesOrDiscards()
    {
        var log = new InMemoryEventLogStorage();
        await log.AppendAsync(Id, 1, [.. Enumerable.Range(0, 5).Select(_ => Event("e", DateTimeOffset.UnixEpoch, "{}"))]);

        await log.CompactAsync(Id, 2, CompactionMode.Archive);
        Assert.Equal(5, (await ToListAsync(log.ReadAsync(Id, 1))).Count);
        await log.CompactAsync(Id, 3, CompactionMode.Discard);

        Assert.Equal([4L, 5L], (await ToListAsync(log.ReadAsync(Id, 1))).Select(e => e.Seq));
        Assert.Equal(new EventLogInfo(4, 6), await log.GetInfoAsync(Id));
    }

    [Fact]
    public async Task ReminderTable_UnconditionalUpsert_ConditionalRemove()
    {
        var table = new InMemoryReminderTable();
        var entry = new ReminderEntry { GrainId = Id, ReminderName = "r", StartAt = DateTime.UnixEpoch, Period = TimeSpan.FromMinutes(1) };

        var first = await table.UpsertRow(entry);
        entry.ETag = first!;
        var second = await table.UpsertRow(entry);
        Assert.NotEqual(first, second);

        Assert.False(await table.RemoveRow(Id, "r", first!));
        Assert.Single((await table.ReadRows(Id.GetUniformHashCode() - 1, Id.GetUniformHashCode())).Reminders);
        Assert.True(await table.RemoveRow(Id, "r", second!));
        Assert.Empty((await table.ReadRows(0, 0)).Reminders);
    }

    [Fact]
    public async Task Register_AddsTheStoresUnderEveryName()
    {
        var storage = new InMemoryStorage();
        await using var services = storage.Register(new ServiceCollection()).BuildServiceProvider();

        Assert.Same(storage.GrainStorage, services.GetRequiredKeyedService<IGrainStorage>("Default"));
        Assert.Same(storage.GrainStorage, services.GetRequiredKeyedService<IGrainStorage>(FileStorageOptions.StorageName));
        Assert.Same(storage.GrainStorage, services.GetRequiredService<IGrainStorage>());
        Assert.Same(storage.Reminders, services.GetRequiredService<IReminderTable>());
        Assert.Same(storage.EventLog, services.GetRequiredService<IEventLogStorage>());
        Assert.Same(storage.Catalog, services.GetRequiredService<IGrainCatalog>());
    }

    [Fact]
    public async Task Catalog_ListsKeysWithStateOrEvents()
    {
        var storage = new InMemoryStorage();
        await storage.GrainStorage.WriteStateAsync("doc", GrainId.Create("session", "a"), new GrainState<Doc>());
        await storage.EventLog.AppendAsync(GrainId.Create("session", "b"), 1, [Event("e", DateTimeOffset.UnixEpoch, "{}")]);
        await storage.EventLog.AppendAsync(GrainId.Create("agent", "c"), 1, [Event("e", DateTimeOffset.UnixEpoch, "{}")]);

        var keys = new List<string>();
        await foreach (var key in storage.Catalog.ListKeysAsync("session"))
        {
            keys.Add(key);
        }

        Assert.Equal(["a", "b"], keys.Order());
    }

    private static EventToAppend Event(string type, DateTimeOffset ts, string json) => new(type, ts, Encoding.UTF8.GetBytes(json));

    private static async Task<List<StoredEvent>> ToListAsync(IAsyncEnumerable<StoredEvent> events)
    {
        var list = new List<StoredEvent>();
        await foreach (var e in events)
        {
            list.Add(e);
        }

        return list;
    }
}
