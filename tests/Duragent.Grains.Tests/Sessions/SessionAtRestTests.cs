using Duragent.FakeLlm;
using Duragent.Sessions;
using Duragent.Storage;
using Duragent.Testing;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;

namespace Duragent.Grains.Tests.Sessions;

/// <summary>
/// A session at rest without followers drops its history view (SessionJournal.ReleaseHistory) and rebuilds it from
/// the log when it is needed again: nothing a client or the model sees may change.
/// </summary>
public sealed class SessionAtRestTests
{
    [Fact]
    public async Task ADetachedSessionAtRest_RebuildsItsHistoryFromTheLog_ForTheNextTurnAndForIdempotency()
    {
        var log = new CountingEventLog(new InMemoryEventLogStorage());
        await using var kit = await SessionKit.StartAsync(silo: b => b.Services.AddSingleton<IEventLogStorage>(log));
        kit.Llm.Enqueue(FakeResponse.Text("first answer"), FakeResponse.Text("second answer"));
        var (_, session) = await kit.CreateAsync();
        var first = await session.SendMessageAsync(new SendMessage("first question", ClientMessageId: "c-1"));
        await SessionKit.WaitTurnAsync(session, first.Seq);
        var readsAtRest = log.ReadsFromStart;

        var retried = await session.SendMessageAsync(new SendMessage("first question", ClientMessageId: "c-1"));
        var second = await session.SendMessageAsync(new SendMessage("second question"));
        var result = await SessionKit.WaitTurnAsync(session, second.Seq);
        var page = await session.GetMessagesAsync(new MessageQuery(Limit: 10));

        Assert.True(log.ReadsFromStart > readsAtRest, "the history view was not rebuilt from the log: it was not dropped at rest");
        Assert.True(retried.Duplicate);
        Assert.Equal(first.Seq, retried.Seq);
        Assert.Equal("second answer", result.Content);
        var request = kit.Llm.Requests[^1].Body!.ToJsonString();
        Assert.True(request.IndexOf("first question", StringComparison.Ordinal) < request.IndexOf("first answer", StringComparison.Ordinal)
            && request.IndexOf("first answer", StringComparison.Ordinal) < request.IndexOf("second question", StringComparison.Ordinal),
            $"the second LLM call did not carry the whole conversation in order: {request}");
        Assert.Equal(["first question", "first answer", "second question", "second answer"], page.Messages.Select(m => m.Content));
    }

    [Fact]
    public async Task ASessionWithAFollower_KeepsItsHistoryViewAtRest()
    {
        var log = new CountingEventLog(new InMemoryEventLogStorage());
        await using var kit = await SessionKit.StartAsync(silo: b => b.Services.AddSingleton<IEventLogStorage>(log));
        kit.Llm.Enqueue(FakeResponse.Text("one"), FakeResponse.Text("two"));
        var (_, session) = await kit.CreateAsync();
        await using var attachment = await SessionKit.AttachAsync(session);

        await kit.AskAsync(session, "a");
        var readsAtRest = log.ReadsFromStart;
        await kit.AskAsync(session, "b");

        Assert.Equal(readsAtRest, log.ReadsFromStart);
    }

    // Counts the reads of a log from its first event: what rebuilding a history view does.
    private sealed class CountingEventLog(IEventLogStorage inner) : IEventLogStorage
    {
        private int _readsFromStart;

        public int ReadsFromStart => Volatile.Read(ref _readsFromStart);

        public Task<EventLogInfo> GetInfoAsync(GrainId grainId, CancellationToken cancellationToken = default) =>
            inner.GetInfoAsync(grainId, cancellationToken);

        public Task<long> AppendAsync(GrainId grainId, long expectedNextSeq, IReadOnlyList<EventToAppend> events, CancellationToken cancellationToken = default) =>
            inner.AppendAsync(grainId, expectedNextSeq, events, cancellationToken);

        public IAsyncEnumerable<StoredEvent> ReadAsync(GrainId grainId, long fromSeq, CancellationToken cancellationToken = default)
        {
            if (fromSeq <= 1)
            {
                Interlocked.Increment(ref _readsFromStart);
            }

            return inner.ReadAsync(grainId, fromSeq, cancellationToken);
        }

        public Task CompactAsync(GrainId grainId, long throughSeq, CompactionMode mode, CancellationToken cancellationToken = default) =>
            inner.CompactAsync(grainId, throughSeq, mode, cancellationToken);

        public Task DeleteAsync(GrainId grainId, CancellationToken cancellationToken = default) =>
            inner.DeleteAsync(grainId, cancellationToken);
    }
}
