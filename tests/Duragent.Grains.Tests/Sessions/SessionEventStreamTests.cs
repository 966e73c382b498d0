using System.Runtime.CompilerServices;
using Duragent.Sessions;
using Duragent.Sessions.Events;

namespace Duragent.Grains.Tests.Sessions;

public sealed class SessionEventStreamTests
{
    private static readonly DateTimeOffset Ts = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);

    /// <summary>A log that the test appends to; the hub is published to after each append, like the grain does.</summary>
    private sealed class Log
    {
        private readonly List<SessionEventEnvelope> _events = [];

        public Log(int initial)
        {
            for (var i = 0; i < initial; i++)
            {
                Add();
            }

            Hub = new SessionEventHub(_events.Count);
        }

        public SessionEventHub Hub { get; }

        public SessionEventEnvelope Add()
        {
            lock (_events)
            {
                var seq = _events.Count + 1;
                var ev = new AssistantDelta("turn_1", 1, $"t{seq}");
                var envelope = new SessionEventEnvelope(seq, Ts, SessionEventTypes.AssistantDelta, ev, SessionJson.SerializeEnvelope(seq, Ts, ev));
                _events.Add(envelope);
                return envelope;
            }
        }

        public void Append(int count)
        {
            for (var i = 0; i < count; i++)
            {
                Hub.Publish([Add()]);
            }
        }

        public async IAsyncEnumerable<SessionEventEnvelope> Read(long from, long to, [EnumeratorCancellation] CancellationToken ct)
        {
            List<SessionEventEnvelope> copy;
            lock (_events)
            {
                copy = _events.Where(e => e.Seq >= from && e.Seq <= to).ToList();
            }

            foreach (var e in copy)
            {
                await Task.Yield();
                ct.ThrowIfCancellationRequested();
                yield return e;
            }
        }

        public SessionEventStream Open(long afterSeq, Func<ValueTask>? onDispose = null) => new(Hub, Read, afterSeq, onDispose);
    }

    private static async Task<List<long>> Take(IAsyncEnumerator<SessionEventEnvelope> e, int count)
    {
        var seqs = new List<long>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (seqs.Count < count)
        {
            var moved = await e.MoveNextAsync().AsTask().WaitAsync(timeout.Token);
            Assert.True(moved, $"the stream ended after {seqs.Count} of {count} events");
            seqs.Add(e.Current.Seq);
        }

        return seqs;
    }

    [Fact]
    public async Task Read_ReplaysTheLogAfterTheGivenSeq_ThenLiveEvents()
    {
        var log = new Log(initial: 5);
        await using var stream = log.Open(afterSeq: 2);
        await using var reader = stream.ReadAllAsync().GetAsyncEnumerator();

        var first = await Take(reader, 3);
        log.Append(2);
        var live = await Take(reader, 2);

        Assert.Equal([3, 4, 5], first);
        Assert.Equal([6, 7], live);
    }

    [Fact]
    public async Task SlowReader_CatchesUpFromTheLog_WithoutGapsOrDuplicates()
    {
        var log = new Log(initial: 0);
        await using var stream = log.Open(afterSeq: 0);
        await using var reader = stream.ReadAllAsync().GetAsyncEnumerator();
        var first = await Take(reader, 0);
        log.Append(1);
        Assert.Equal([1], await Take(reader, 1));

        log.Append(SessionEventHub.ReaderBufferSize * 3);

        var rest = await Take(reader, SessionEventHub.ReaderBufferSize * 3);
        Assert.Equal(Enumerable.Range(2, SessionEventHub.ReaderBufferSize * 3).Select(i => (long)i), rest);
        Assert.Empty(first);
    }

    [Fact]
    public async Task ConcurrentAppends_AreSeenExactlyOnceInOrder()
    {
        var log = new Log(initial: 10);
        await using var stream = log.Open(afterSeq: 0);
        var writer = Task.Run(() => log.Append(5000));

        await using var reader = stream.ReadAllAsync().GetAsyncEnumerator();
        var seqs = await Take(reader, 5010);
        await writer;

        Assert.Equal(Enumerable.Range(1, 5010).Select(i => (long)i), seqs);
    }

    [Fact]
    public async Task ClosingTheHub_EndsTheStreamAfterWhatWasPublished()
    {
        var log = new Log(initial: 1);
        await using var stream = log.Open(afterSeq: 0);
        await using var reader = stream.ReadAllAsync().GetAsyncEnumerator();
        Assert.Equal([1], await Take(reader, 1));

        log.Append(1);
        log.Hub.Close();

        Assert.Equal([2], await Take(reader, 1));
        Assert.False(await reader.MoveNextAsync());
        Assert.Equal(0, log.Hub.ReaderCount);
    }

    [Fact]
    public async Task Dispose_RunsTheDetachCallbackOnce()
    {
        var log = new Log(initial: 0);
        var calls = 0;
        var stream = log.Open(0, () => { calls++; return ValueTask.CompletedTask; });

        await stream.DisposeAsync();
        await stream.DisposeAsync();

        Assert.Equal(1, calls);
    }
}
