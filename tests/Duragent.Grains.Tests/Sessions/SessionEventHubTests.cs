using System.Runtime.CompilerServices;
using Duragent.Sessions;
using Duragent.Sessions.Events;

namespace Duragent.Grains.Tests.Sessions;

/// <summary>
/// Text deltas shown before their fsync (<see cref="SessionEventHub.PublishOrdered"/>): shown at once when covered by
/// a reservation, held until durable otherwise, never ahead of an earlier event, and handed to late readers who
/// cannot find them in the log yet.
/// </summary>
public sealed class SessionEventHubTests
{
    private static readonly DateTimeOffset Ts = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);

    private static SessionEventEnvelope Delta(long seq)
    {
        var ev = new AssistantDelta("turn_1", 1, $"t{seq}");
        return new SessionEventEnvelope(seq, Ts, SessionEventTypes.AssistantDelta, ev, SessionJson.SerializeEnvelope(seq, Ts, ev));
    }

    private static List<long> Drain(SessionEventHub.Subscription subscription)
    {
        var seqs = new List<long>();
        while (subscription.Channel.Reader.TryRead(out var envelope))
        {
            seqs.Add(envelope.Seq);
        }

        return seqs;
    }

    [Fact]
    public void CoveredDelta_IsShownBeforeItIsDurable()
    {
        var hub = new SessionEventHub(1);
        using var subscription = hub.Register(out _, out _)!;

        hub.PublishOrdered(Delta(2), mayShowEarly: true);

        Assert.Equal([2], Drain(subscription));
        Assert.Equal(2, hub.LastSeq);
    }

    [Fact]
    public void UncoveredDelta_IsHeldUntilDurable_AndNothingOvertakesIt()
    {
        var hub = new SessionEventHub(1);
        using var subscription = hub.Register(out _, out _)!;

        hub.PublishOrdered(Delta(2), mayShowEarly: false);
        hub.PublishOrdered(Delta(3), mayShowEarly: true);
        Assert.Empty(Drain(subscription));

        hub.Confirm(2);
        Assert.Equal([2, 3], Drain(subscription));
    }

    [Fact]
    public void DurableEvent_ReleasesTheHeldDeltasBeforeIt()
    {
        var hub = new SessionEventHub(1);
        using var subscription = hub.Register(out _, out _)!;

        hub.PublishOrdered(Delta(2), mayShowEarly: false);
        hub.Publish([Delta(3)]);

        Assert.Equal([2, 3], Drain(subscription));
    }

    [Fact]
    public void AConfirmArrivingBeforeTheDeltaIsPublished_ShowsItAtOnce()
    {
        var hub = new SessionEventHub(1);
        using var subscription = hub.Register(out _, out _)!;

        hub.Confirm(2);
        hub.PublishOrdered(Delta(2), mayShowEarly: false);

        Assert.Equal([2], Drain(subscription));
    }

    [Fact]
    public void Register_HandsOverWhatWasShownButIsNotDurableYet()
    {
        var hub = new SessionEventHub(1);
        hub.PublishOrdered(Delta(2), mayShowEarly: true);
        hub.PublishOrdered(Delta(3), mayShowEarly: true);
        hub.Confirm(2);

        using var subscription = hub.Register(out var liveFrom, out var shown)!;

        Assert.Equal(4, liveFrom);
        Assert.Equal([3L], shown.Select(e => e.Seq));
    }

    [Fact]
    public void AFailedWrite_DropsHeldDeltasUnseen_AndForgetsTheShownOnes()
    {
        var hub = new SessionEventHub(1);
        using var subscription = hub.Register(out _, out _)!;
        hub.PublishOrdered(Delta(2), mayShowEarly: true);
        hub.PublishOrdered(Delta(3), mayShowEarly: false);

        hub.DiscardNotDurable();
        hub.Publish([Delta(20)]);

        Assert.Equal([2, 20], Drain(subscription));
        using var late = hub.Register(out _, out var shown)!;
        Assert.Empty(shown);
    }

    [Fact]
    public async Task LateReader_GetsTheLogThenTheShownDeltasThenLiveEvents_ExactlyOnce()
    {
        // Seqs 1–3 are durable (in the log); 4 and 5 were shown before their fsync and are not in the log yet.
        var durable = Enumerable.Range(1, 3).Select(i => Delta(i)).ToList();
        var hub = new SessionEventHub(3);
        hub.PublishOrdered(Delta(4), mayShowEarly: true);
        hub.PublishOrdered(Delta(5), mayShowEarly: true);
        await using var stream = new SessionEventStream(hub, (from, to, ct) => Read(durable, from, to, ct), afterSeq: 0, onDispose: null);
        await using var reader = stream.ReadAllAsync().GetAsyncEnumerator();

        var seqs = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            Assert.True(await reader.MoveNextAsync());
            seqs.Add(reader.Current.Seq);
        }

        hub.Confirm(5);
        hub.PublishOrdered(Delta(6), mayShowEarly: true);
        Assert.True(await reader.MoveNextAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        seqs.Add(reader.Current.Seq);

        Assert.Equal([1, 2, 3, 4, 5, 6], seqs);
    }

    [Fact]
    public async Task ConfirmsFromAnotherThread_NeverReorderOrDropEvents()
    {
        const int count = 5_000;
        var hub = new SessionEventHub(0);
        using var subscription = hub.Register(out _, out _)!;
        var read = 0;
        var reader = Task.Run(async () =>
        {
            var seen = new List<long>(count);
            await foreach (var envelope in subscription.Channel.Reader.ReadAllAsync())
            {
                seen.Add(envelope.Seq);
                Volatile.Write(ref read, seen.Count);
                if (seen.Count == count)
                {
                    break;
                }
            }

            return seen;
        });
        var ordered = 0L;
        var confirmed = 0L;
        var confirmer = Task.Run(() =>
        {
            while (Volatile.Read(ref ordered) < count)
            {
                var through = Volatile.Read(ref ordered);
                hub.Confirm(through);
                Volatile.Write(ref confirmed, through);
            }

            hub.Confirm(count);
        });
        var random = new Random(42);
        for (var seq = 1; seq <= count; seq++)
        {
            hub.PublishOrdered(Delta(seq), mayShowEarly: random.Next(3) != 0);
            Volatile.Write(ref ordered, seq);

            // Keep what a confirm can release at once well under the reader's buffer: the test is about order.
            var spin = new SpinWait();
            while ((seq - Volatile.Read(ref confirmed) > 200 && !confirmer.IsCompleted) || seq - Volatile.Read(ref read) > 500)
            {
                spin.SpinOnce();
            }

            if (seq % 64 == 0)
            {
                await Task.Yield();
            }
        }

        await confirmer;
        var seqs = await reader.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.False(subscription.Lagging, "the reader fell behind the hub's buffer; the test cannot tell order from overflow");
        Assert.Equal(Enumerable.Range(1, count).Select(i => (long)i), seqs);
    }

    private static async IAsyncEnumerable<SessionEventEnvelope> Read(List<SessionEventEnvelope> log, long from, long to, [EnumeratorCancellation] CancellationToken ct)
    {
        foreach (var e in log.Where(e => e.Seq >= from && e.Seq <= to))
        {
            await Task.Yield();
            ct.ThrowIfCancellationRequested();
            yield return e;
        }
    }
}
