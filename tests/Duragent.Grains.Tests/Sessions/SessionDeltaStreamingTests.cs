using System.Collections.Concurrent;
using Duragent.FakeLlm;
using Duragent.Sessions;
using Duragent.Sessions.Events;
using Duragent.Storage;
using Duragent.Testing;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;

namespace Duragent.Grains.Tests.Sessions;

/// <summary>
/// Text deltas go to live readers once ordered, before their fsync; every other event only once durable
/// (<see cref="ISessionGrain.StreamAsync"/>'s contract); the log reserves the seqs shown early.
/// </summary>
public sealed class SessionDeltaStreamingTests
{
    [Fact]
    public async Task TextDeltas_ReachALiveReader_BeforeTheyAreDurable_AndDurableEventsOnlyAfter()
    {
        var log = new HeldDurabilityLog(new InMemoryEventLogStorage());
        await using var kit = await SessionKit.StartAsync(silo: b => b.Services.AddSingleton<IEventLogStorage>(log));
        kit.Llm.Enqueue(FakeResponse.Text("Hel", "lo ", "world"));
        var (id, session) = await kit.CreateAsync();
        var start = (await session.GetInfoAsync())!.LastSeq;
        var received = new ConcurrentQueue<SessionEventEnvelope>();
        var firstDelta = new TaskCompletionSource<SessionEventEnvelope>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stop = new CancellationTokenSource();
        var reading = Task.Run(async () =>
        {
            try
            {
                await foreach (var e in session.StreamAsync(new StreamOptions(start), stop.Token))
                {
                    received.Enqueue(e);
                    if (e.Event is AssistantDelta)
                    {
                        firstDelta.TrySetResult(e);
                    }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
        });

        // From the first delta on, nothing becomes durable until the test says so.
        log.HoldFrom(SessionEventTypes.AssistantDelta);
        var accepted = await session.SendMessageAsync(new SendMessage("hi"));

        var delta = await firstDelta.Task.WaitAsync(SessionKit.Wait);
        Assert.False(log.IsDurable(delta.Seq), $"delta {delta.Seq} reached the reader after it was durable");
        Assert.DoesNotContain(received, e => e.Event is AssistantMessage or TurnCompleted);

        log.Release();
        var result = await SessionKit.WaitTurnAsync(session, accepted.Seq);
        Assert.Equal("Hello world", result.Content);
        var completed = await SessionKit.WaitForEventAsync(session, start, e => e.Event is TurnCompleted, "turn_completed");
        var deadline = DateTime.UtcNow + SessionKit.Wait;
        while (!received.Any(e => e.Seq >= completed.Seq) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        await stop.CancelAsync();
        await reading.WaitAsync(SessionKit.Wait);

        var seqs = received.Select(e => e.Seq).ToList();
        Assert.Equal(seqs.Distinct().Order(), seqs);
        var logged = (await kit.EventsAsync(id)).Where(e => e.Seq > start && e.Seq <= completed.Seq).Select(e => e.Seq);
        Assert.Equal(logged, seqs.Where(s => s <= completed.Seq));
        Assert.Equal("Hello world", string.Concat(received.Select(e => e.Event).OfType<AssistantDelta>().Select(d => d.Text)));
    }

    [Fact]
    public async Task TheLlmCallReservesSeqsAhead_AndItsEndReleasesThem()
    {
        await using var kit = await SessionKit.StartAsync(fileStorage: true, sessions: o => o.StreamSeqReservation = 64);
        kit.Llm.Enqueue(FakeResponse.Text("a", "b", "c"));
        var (id, session) = await kit.CreateAsync();
        await kit.AskAsync(session, "hi");

        var lines = await File.ReadAllLinesAsync(Path.Combine(kit.Root, ".duragent", "sessions", id, "events.jsonl"));
        var started = Assert.Single(lines, l => l.Contains("\"type\":\"llm_call_started\"", StringComparison.Ordinal));
        var startedSeq = long.Parse(started.Split(',')[0]["{\"seq\":".Length..], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains($"\"reserved_through\":{startedSeq + 64},", started, StringComparison.Ordinal);
        var reply = Assert.Single(lines, l => l.Contains("\"type\":\"assistant_message\"", StringComparison.Ordinal));
        Assert.DoesNotContain("reserved_through", reply, StringComparison.Ordinal);
        Assert.All(lines.Where(l => l.Contains("\"type\":\"turn_completed\"", StringComparison.Ordinal) || l.Contains("\"type\":\"user_message\"", StringComparison.Ordinal)),
            l => Assert.DoesNotContain("reserved_through", l, StringComparison.Ordinal));

        // A graceful restart after the call released its reservation does not skip seqs.
        var lastSeq = (await session.GetInfoAsync())!.LastSeq;
        var restarted = await kit.RestartAsync();
        restarted.Llm.Enqueue(FakeResponse.Text("again"));
        var accepted = await restarted.Session(id).SendMessageAsync(new SendMessage("more"));
        Assert.Equal(lastSeq + 1, accepted.Seq);
    }

    [Theory]
    [InlineData(CompactionMode.Archive)]
    [InlineData(CompactionMode.Discard)]
    public async Task SnapshotsAndCompactionDuringAStream_DoNotSkipSeqs(CompactionMode mode)
    {
        // A snapshot every 2 events compacts the log in the middle of the stream, while the reservation is in force.
        await using var kit = await SessionKit.StartAsync(fileStorage: true, sessions: o =>
        {
            o.SnapshotEveryEvents = 2;
            o.Compaction = mode;
        });
        kit.Llm.Enqueue(FakeResponse.Text("one", " two", " three").WithChunkDelay(TimeSpan.FromMilliseconds(20)));
        var (_, session) = await kit.CreateAsync();
        kit.Llm.Enqueue(FakeResponse.Text("steered"));
        var from = (await session.GetInfoAsync())!.LastSeq;
        using var stop = new CancellationTokenSource(SessionKit.Wait);
        var seqs = new ConcurrentQueue<long>();
        var following = Task.Run(async () =>
        {
            try
            {
                await foreach (var e in session.StreamAsync(new StreamOptions(from), stop.Token))
                {
                    seqs.Enqueue(e.Seq);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
        });
        await session.SendMessageAsync(new SendMessage("hi"));
        var steer = await session.SendMessageAsync(new SendMessage("and more"));

        var result = await SessionKit.WaitTurnAsync(session, steer.Seq);

        Assert.True(result.Status == SessionStatus.Active, $"the turn ended {result.Status}: {result.Error}");
        while (!seqs.Contains(result.LastSeq) && !stop.IsCancellationRequested)
        {
            await Task.Delay(10);
        }

        await stop.CancelAsync();
        await following;
        Assert.Equal(Enumerable.Range((int)from + 1, (int)(result.LastSeq - from)).Select(i => (long)i), seqs.Where(s => s <= result.LastSeq));
    }

    /// <summary>
    /// An event log whose appends become durable in order, where the test can hold durability back from the first
    /// append of a given type on (the events are stored at once; only their <see cref="OrderedAppend.Durable"/> waits).
    /// </summary>
    private sealed class HeldDurabilityLog(IEventLogStorage inner) : IEventLogStorage
    {
        private readonly Lock _gate = new();
        private readonly ConcurrentDictionary<long, bool> _durable = new();
        private TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private string? _holdFrom;
        private bool _holding;
        private Task _tail = Task.CompletedTask;

        public void HoldFrom(string type)
        {
            lock (_gate)
            {
                _holdFrom = type;
            }
        }

        public void Release()
        {
            lock (_gate)
            {
                _holdFrom = null;
                _holding = false;
                _release.TrySetResult();
                _release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        public bool IsDurable(long seq) => _durable.ContainsKey(seq);

        public Task<EventLogInfo> GetInfoAsync(GrainId grainId, CancellationToken cancellationToken = default) => inner.GetInfoAsync(grainId, cancellationToken);

        public async Task<long> AppendAsync(GrainId grainId, long expectedNextSeq, IReadOnlyList<EventToAppend> events, CancellationToken cancellationToken = default)
        {
            var ordered = await AppendOrderedAsync(grainId, expectedNextSeq, events, 0, cancellationToken);
            await ordered.Durable;
            return ordered.NextSeq;
        }

        public async Task<OrderedAppend> AppendOrderedAsync(GrainId grainId, long expectedNextSeq, IReadOnlyList<EventToAppend> events, long reserveThrough = 0, CancellationToken cancellationToken = default)
        {
            var ordered = await inner.AppendOrderedAsync(grainId, expectedNextSeq, events, reserveThrough, cancellationToken);
            lock (_gate)
            {
                _holding |= _holdFrom is not null && events.Any(e => e.Type == _holdFrom);
                var previous = _tail;
                var release = _holding ? _release.Task : Task.CompletedTask;
                _tail = MarkDurableAsync(previous, release, expectedNextSeq, ordered.NextSeq);
                return ordered with { Durable = _tail };
            }
        }

        public IAsyncEnumerable<StoredEvent> ReadAsync(GrainId grainId, long fromSeq, CancellationToken cancellationToken = default) => inner.ReadAsync(grainId, fromSeq, cancellationToken);

        public Task CompactAsync(GrainId grainId, long throughSeq, CompactionMode mode, CancellationToken cancellationToken = default) =>
            inner.CompactAsync(grainId, throughSeq, mode, cancellationToken);

        public Task DeleteAsync(GrainId grainId, CancellationToken cancellationToken = default) => inner.DeleteAsync(grainId, cancellationToken);

        private async Task MarkDurableAsync(Task previous, Task release, long first, long next)
        {
            await previous.ConfigureAwait(false);
            await release.ConfigureAwait(false);
            for (var seq = first; seq < next; seq++)
            {
                _durable[seq] = true;
            }
        }
    }
}
