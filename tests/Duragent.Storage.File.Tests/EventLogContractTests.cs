using System.Text;
using System.Text.Json;
using Orleans;
using Orleans.Runtime;
using Orleans.Storage;

namespace Duragent.Storage.File.Tests;

/// <summary>The <see cref="IEventLogStorage"/> contract, run against every provider by subclassing.</summary>
public abstract class EventLogContractTests : IAsyncLifetime
{
    protected static readonly DateTimeOffset T0 = new(2026, 11, 21, 10, 0, 0, 250, TimeSpan.Zero);

    protected IEventLogStorage Log { get; private set; } = null!;

    public async Task InitializeAsync() => Log = await CreateStorageAsync();

    public Task DisposeAsync() => DisposeStorageAsync();

    protected abstract Task<IEventLogStorage> CreateStorageAsync();

    protected abstract Task DisposeStorageAsync();

    protected static GrainId NewGrainId() => GrainId.Create("session", "s-" + Guid.NewGuid().ToString("N"));

    protected static EventToAppend Event(string type, object payload, int secondsAfterT0 = 0) =>
        new(type, T0.AddSeconds(secondsAfterT0), JsonSerializer.SerializeToUtf8Bytes(payload));

    protected static EventToAppend Message(int n) => Event("user_message", new { content = $"message {n}", n }, n);

    protected async Task<long> AppendMessagesAsync(GrainId id, int count, long firstSeq = 1)
    {
        var next = firstSeq;
        for (var i = 0; i < count; i++)
        {
            next = await Log.AppendAsync(id, next, [Message((int)next)]);
        }

        return next;
    }

    protected async Task<List<StoredEvent>> ReadAllAsync(GrainId id, long fromSeq = 1)
    {
        var events = new List<StoredEvent>();
        await foreach (var stored in Log.ReadAsync(id, fromSeq))
        {
            events.Add(stored);
        }

        return events;
    }

    protected static JsonElement Json(StoredEvent stored) => JsonDocument.Parse(stored.Json).RootElement;

    [ContractFact]
    public async Task Read_ReturnsEachEventAsAppended_EnvelopeThenPayloadAndNothingElse()
    {
        var id = NewGrainId();
        await Log.AppendAsync(id, 1, [Event("a", new { x = 1 }), Event("b", new { y = "two" }), Event("c", new { })]);
        await Log.AppendAsync(id, 4, [Event("d", new { z = true })]);

        var names = (await ReadAllAsync(id)).Select(e => string.Join(",", Json(e).EnumerateObject().Select(p => p.Name))).ToList();

        Assert.Equal(["seq,ts,type,x", "seq,ts,type,y", "seq,ts,type", "seq,ts,type,z"], names);
    }

    [ContractFact]
    public async Task NewLog_IsEmptyAndStartsAtOne()
    {
        var id = NewGrainId();

        var info = await Log.GetInfoAsync(id);

        Assert.Equal(new EventLogInfo(1, 1), info);
        Assert.Empty(await ReadAllAsync(id));
    }

    [ContractFact]
    public async Task Append_FirstEventGetsSeqOne_AndReturnsTheNextSeq()
    {
        var id = NewGrainId();

        var next = await Log.AppendAsync(id, 1, [Event("session_started", new { agent = "helper" })]);

        Assert.Equal(2, next);
        Assert.Equal(new EventLogInfo(1, 2), await Log.GetInfoAsync(id));
    }

    [ContractFact]
    public async Task Append_ThenRead_ReturnsEnvelopeAndPayload()
    {
        var id = NewGrainId();
        await Log.AppendAsync(id, 1, [Event("user_message", new { content = "héllo \"world\"\n", sender = new { id = 7 } }, 5)]);

        var stored = Assert.Single(await ReadAllAsync(id));

        Assert.Equal(1, stored.Seq);
        Assert.Equal("user_message", stored.Type);
        Assert.Equal(T0.AddSeconds(5), stored.Timestamp);
        var json = Json(stored);
        Assert.Equal(1, json.GetProperty("seq").GetInt64());
        Assert.Equal("user_message", json.GetProperty("type").GetString());
        Assert.Equal("héllo \"world\"\n", json.GetProperty("content").GetString());
        Assert.Equal(7, json.GetProperty("sender").GetProperty("id").GetInt32());
    }

    [ContractFact]
    public async Task Append_Many_AreReadInOrderExactlyOnce()
    {
        var id = NewGrainId();
        await AppendMessagesAsync(id, 25);

        var events = await ReadAllAsync(id);

        Assert.Equal(Enumerable.Range(1, 25).Select(i => (long)i), events.Select(e => e.Seq));
        Assert.All(events, e => Assert.Equal($"message {e.Seq}", Json(e).GetProperty("content").GetString()));
    }

    [ContractFact]
    public async Task Append_WithStaleExpectedSeq_ThrowsAndStoresNothing()
    {
        var id = NewGrainId();
        await AppendMessagesAsync(id, 3);

        var error = await Assert.ThrowsAsync<InconsistentStateException>(() => Log.AppendAsync(id, 2, [Message(99)]));

        Assert.Equal("4", error.StoredEtag);
        Assert.Equal("2", error.CurrentEtag);
        Assert.Equal(3, (await ReadAllAsync(id)).Count);
        Assert.Equal(4, (await Log.GetInfoAsync(id)).NextSeq);
    }

    [ContractFact]
    public async Task Append_WithFutureExpectedSeq_ThrowsAndStoresNothing()
    {
        var id = NewGrainId();
        await AppendMessagesAsync(id, 2);

        await Assert.ThrowsAsync<InconsistentStateException>(() => Log.AppendAsync(id, 5, [Message(5)]));

        Assert.Equal(2, (await ReadAllAsync(id)).Count);
        Assert.Equal(4, await Log.AppendAsync(id, 3, [Message(3)]));
    }

    [ContractFact]
    public async Task Append_Batch_GetsConsecutiveSeqs()
    {
        var id = NewGrainId();
        await AppendMessagesAsync(id, 1);

        var next = await Log.AppendAsync(id, 2, [Event("llm_call_started", new { model = "m" }), Event("assistant_message", new { content = "hi" }), Event("status_changed", new { to = "active" })]);

        Assert.Equal(5, next);
        var events = await ReadAllAsync(id);
        Assert.Equal([1L, 2L, 3L, 4L], events.Select(e => e.Seq));
        Assert.Equal(["user_message", "llm_call_started", "assistant_message", "status_changed"], events.Select(e => e.Type));
    }

    [ContractFact]
    public async Task Append_BatchWithBadPayload_IsRejectedWhole()
    {
        var id = NewGrainId();
        var bad = new EventToAppend("oops", T0, Encoding.UTF8.GetBytes("[1,2]"));

        await Assert.ThrowsAsync<ArgumentException>(() => Log.AppendAsync(id, 1, [Message(1), bad]));

        Assert.Equal(new EventLogInfo(1, 1), await Log.GetInfoAsync(id));
    }

    [ContractTheory]
    [InlineData("{\"seq\":5}")]
    [InlineData("{\"ts\":\"x\"}")]
    [InlineData("{\"type\":\"x\"}")]
    [InlineData("\"text\"")]
    [InlineData("{\"a\":1} {\"b\":2}")]
    [InlineData("{\"a\":")]
    public async Task Append_PayloadThatIsNotAPlainObject_IsRejected(string payload)
    {
        var id = NewGrainId();

        await Assert.ThrowsAsync<ArgumentException>(() => Log.AppendAsync(id, 1, [new EventToAppend("x", T0, Encoding.UTF8.GetBytes(payload))]));

        Assert.Empty(await ReadAllAsync(id));
    }

    [ContractFact]
    public async Task Read_FromTheMiddle_ReturnsTheTail()
    {
        var id = NewGrainId();
        await AppendMessagesAsync(id, 10);

        var events = await ReadAllAsync(id, 7);

        Assert.Equal([7L, 8L, 9L, 10L], events.Select(e => e.Seq));
    }

    [ContractFact]
    public async Task Read_FromBeyondTheEnd_IsEmpty()
    {
        var id = NewGrainId();
        await AppendMessagesAsync(id, 3);

        Assert.Empty(await ReadAllAsync(id, 4));
        Assert.Empty(await ReadAllAsync(id, 100));
    }

    [ContractFact]
    public async Task Compact_Keep_ChangesNothing()
    {
        var id = NewGrainId();
        await AppendMessagesAsync(id, 5);

        await Log.CompactAsync(id, 3, CompactionMode.Keep);

        Assert.Equal(new EventLogInfo(1, 6), await Log.GetInfoAsync(id));
        Assert.Equal(5, (await ReadAllAsync(id)).Count);
    }

    [ContractFact]
    public async Task Compact_Archive_KeepsEveryEventReadable()
    {
        var id = NewGrainId();
        await AppendMessagesAsync(id, 10);

        await Log.CompactAsync(id, 6, CompactionMode.Archive);

        Assert.Equal(new EventLogInfo(1, 11), await Log.GetInfoAsync(id));
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), (await ReadAllAsync(id)).Select(e => e.Seq));
        Assert.Equal([5L, 6L, 7L], (await ReadAllAsync(id, 5)).Take(3).Select(e => e.Seq));
        Assert.Equal([8L, 9L, 10L], (await ReadAllAsync(id, 8)).Select(e => e.Seq));
    }

    [ContractFact]
    public async Task Compact_ArchiveTwice_ThenAppend_KeepsOneContiguousHistory()
    {
        var id = NewGrainId();
        var next = await AppendMessagesAsync(id, 10);
        await Log.CompactAsync(id, 4, CompactionMode.Archive);
        next = await AppendMessagesAsync(id, 5, next);

        await Log.CompactAsync(id, 12, CompactionMode.Archive);
        next = await AppendMessagesAsync(id, 2, next);

        Assert.Equal(18, next);
        Assert.Equal(Enumerable.Range(1, 17).Select(i => (long)i), (await ReadAllAsync(id)).Select(e => e.Seq));
    }

    [ContractFact]
    public async Task Compact_Discard_DropsTheEventsForGood()
    {
        var id = NewGrainId();
        await AppendMessagesAsync(id, 10);

        await Log.CompactAsync(id, 6, CompactionMode.Discard);

        Assert.Equal(new EventLogInfo(7, 11), await Log.GetInfoAsync(id));
        Assert.Equal([7L, 8L, 9L, 10L], (await ReadAllAsync(id)).Select(e => e.Seq));
        Assert.Equal([9L, 10L], (await ReadAllAsync(id, 9)).Select(e => e.Seq));
    }

    [ContractFact]
    public async Task Compact_DiscardEverything_KeepsTheSequenceGoing()
    {
        var id = NewGrainId();
        await AppendMessagesAsync(id, 4);

        await Log.CompactAsync(id, 4, CompactionMode.Discard);

        Assert.Equal(new EventLogInfo(5, 5), await Log.GetInfoAsync(id));
        Assert.Empty(await ReadAllAsync(id));
        await Assert.ThrowsAsync<InconsistentStateException>(() => Log.AppendAsync(id, 1, [Message(1)]));
        Assert.Equal(6, await Log.AppendAsync(id, 5, [Message(5)]));
        Assert.Equal([5L], (await ReadAllAsync(id)).Select(e => e.Seq));
    }

    [ContractFact]
    public async Task Compact_DiscardAfterArchive_DropsArchivedEventsToo()
    {
        var id = NewGrainId();
        await AppendMessagesAsync(id, 10);
        await Log.CompactAsync(id, 5, CompactionMode.Archive);

        await Log.CompactAsync(id, 7, CompactionMode.Discard);

        Assert.Equal(new EventLogInfo(8, 11), await Log.GetInfoAsync(id));
        Assert.Equal([8L, 9L, 10L], (await ReadAllAsync(id)).Select(e => e.Seq));
    }

    [ContractFact]
    public async Task Compact_DiscardInsideTheArchive_KeepsTheRestReadable()
    {
        var id = NewGrainId();
        await AppendMessagesAsync(id, 10);
        await Log.CompactAsync(id, 8, CompactionMode.Archive);

        await Log.CompactAsync(id, 3, CompactionMode.Discard);

        Assert.Equal(new EventLogInfo(4, 11), await Log.GetInfoAsync(id));
        Assert.Equal(Enumerable.Range(4, 7).Select(i => (long)i), (await ReadAllAsync(id)).Select(e => e.Seq));
    }

    [ContractFact]
    public async Task Compact_BeyondTheLastEvent_Throws()
    {
        var id = NewGrainId();
        await AppendMessagesAsync(id, 3);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Log.CompactAsync(id, 4, CompactionMode.Discard));

        Assert.Equal(3, (await ReadAllAsync(id)).Count);
    }

    [ContractFact]
    public async Task Compact_ThroughTheMiddleOfABatch_KeepsTheRestOfTheBatch()
    {
        var id = NewGrainId();
        await Log.AppendAsync(id, 1, [Message(1), Message(2), Message(3), Message(4)]);

        await Log.CompactAsync(id, 2, CompactionMode.Archive);
        await Log.AppendAsync(id, 5, [Message(5)]);

        Assert.Equal([1L, 2L, 3L, 4L, 5L], (await ReadAllAsync(id)).Select(e => e.Seq));
        Assert.Equal([3L, 4L, 5L], (await ReadAllAsync(id, 3)).Select(e => e.Seq));
    }

    [ContractFact]
    public async Task Delete_RemovesTheLog_AndANewOneStartsAtOne()
    {
        var id = NewGrainId();
        await AppendMessagesAsync(id, 6);
        await Log.CompactAsync(id, 3, CompactionMode.Archive);

        await Log.DeleteAsync(id);

        Assert.Equal(new EventLogInfo(1, 1), await Log.GetInfoAsync(id));
        Assert.Empty(await ReadAllAsync(id));
        Assert.Equal(2, await Log.AppendAsync(id, 1, [Message(1)]));
    }

    [ContractFact]
    public async Task Delete_OfAMissingLog_Succeeds()
    {
        await Log.DeleteAsync(NewGrainId());
    }

    [ContractFact]
    public async Task Logs_OfDifferentGrains_AreIndependent()
    {
        var a = NewGrainId();
        var b = NewGrainId();
        await AppendMessagesAsync(a, 3);
        await AppendMessagesAsync(b, 1);

        Assert.Equal(4, (await Log.GetInfoAsync(a)).NextSeq);
        Assert.Equal(2, (await Log.GetInfoAsync(b)).NextSeq);
    }

    [ContractFact]
    public async Task ConcurrentAppends_ToManyLogs_AreAllAcknowledgedAndReadableInOrder()
    {
        var ids = Enumerable.Range(0, 40).Select(_ => NewGrainId()).ToList();

        await Task.WhenAll(ids.Select(async (id, i) =>
        {
            var next = 1L;
            for (var n = 0; n < 15; n++)
            {
                next = n % 4 == 3
                    ? await Log.AppendAsync(id, next, [Message((int)next), Message((int)next + 1)])
                    : await Log.AppendAsync(id, next, [Message((int)next)]);
            }
        }));

        foreach (var id in ids)
        {
            var events = await ReadAllAsync(id);
            Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Seq));
            Assert.Equal(15 + 3, events.Count);
            Assert.Equal(new EventLogInfo(1, 19), await Log.GetInfoAsync(id));
        }
    }

    [ContractFact]
    public async Task InvalidGrainKey_IsRejected()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Log.AppendAsync(GrainId.Create("session", "../x"), 1, [Message(1)]));
        await Assert.ThrowsAsync<ArgumentException>(() => Log.GetInfoAsync(GrainId.Create("session", "a/b")));
    }
}
