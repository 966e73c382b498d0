using Duragent.FakeLlm;
using Duragent.Sessions;
using Duragent.Storage;
using Duragent.Testing;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Runtime;

namespace Duragent.Grains.Tests.Sessions;

/// <summary>How background results get back into the session (<see cref="SessionTurnPost"/>).</summary>
public sealed class SessionTurnPostTests
{
    [Fact]
    public async Task ToolResult_PostedWhileACommandHoldsTheSessionPastTheResponseTimeout_StillReachesTheTurn()
    {
        var log = new SlowEventLog(new InMemoryEventLogStorage());
        await using var kit = await SessionKit.StartAsync(silo: b =>
        {
            b.Services.AddSingleton<IEventLogStorage>(log);
            b.ConfigureSilo = s => s.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(2));
        });
        var marker = Path.Combine(kit.Root, "tool-started");
        kit.Llm.Enqueue(
            FakeResponse.ToolCalls(FakeToolCall.Create("bash", $"{{\"command\":\"touch {marker}; sleep 2\"}}")),
            FakeResponse.Text("done"));
        var (_, session) = await kit.CreateAsync();
        await session.SendMessageAsync(new SendMessage("go"));
        var deadline = DateTime.UtcNow + SessionKit.Wait;
        while (!File.Exists(marker))
        {
            Assert.True(DateTime.UtcNow < deadline, "The tool did not start in time.");
            await Task.Delay(10);
        }

        // This message's write takes 5 s: the tool's result, posted meanwhile, waits behind it past the 2 s timeout.
        log.DelayNextAppend(TimeSpan.FromSeconds(5));
        var accepted = await session.SendMessageAsync(new SendMessage("and this"));

        var result = await SessionKit.WaitTurnAsync(session, accepted.Seq);
        Assert.Equal("done", result.Content);
        Assert.Equal(SessionStatus.Active, result.Status);
    }

    [Fact]
    public async Task Posts_HoldNoTableOnceTheyRan_AndAPostThatTimedOutIsPostedAgain()
    {
        var self = new FlakyTurns { TimeOutFirstCalls = 1 };
        var post = new SessionTurnPost(self);
        self.Post = post;
        var runs = 0;

        await post.RunAsync(() =>
        {
            runs++;
            return Task.CompletedTask;
        });
        await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => post.RunAsync(() =>
        {
            Interlocked.Increment(ref runs);
            return Task.CompletedTask;
        }))));

        Assert.Equal(21, runs);
        Assert.Equal(22, self.Calls);
        Assert.Equal(0, post.InFlight);
        await post.RunPostedAsync(Guid.NewGuid());
        Assert.Equal(0, post.InFlight);
    }

    // The grain side, without a grain: the first calls time out before reaching the "grain", as Orleans drops an
    // expired call; the others run the posted work.
    private sealed class FlakyTurns : ISessionTurns
    {
        private int _calls;

        public int TimeOutFirstCalls { get; init; }

        public SessionTurnPost? Post { get; set; }

        public int Calls => Volatile.Read(ref _calls);

        public async Task RunPostedAsync(Guid postId)
        {
            await Task.Yield();
            if (Interlocked.Increment(ref _calls) <= TimeOutFirstCalls)
            {
                throw new TimeoutException("expired");
            }

            await Post!.RunPostedAsync(postId);
        }
    }

    private sealed class SlowEventLog(IEventLogStorage inner) : IEventLogStorage
    {
        private long _nextDelayTicks;

        public void DelayNextAppend(TimeSpan delay) => Interlocked.Exchange(ref _nextDelayTicks, delay.Ticks);

        public Task<EventLogInfo> GetInfoAsync(GrainId grainId, CancellationToken cancellationToken = default) =>
            inner.GetInfoAsync(grainId, cancellationToken);

        public async Task<long> AppendAsync(GrainId grainId, long expectedNextSeq, IReadOnlyList<EventToAppend> events, CancellationToken cancellationToken = default)
        {
            if (Interlocked.Exchange(ref _nextDelayTicks, 0) is var ticks and > 0)
            {
                await Task.Delay(TimeSpan.FromTicks(ticks), CancellationToken.None);
            }

            return await inner.AppendAsync(grainId, expectedNextSeq, events, cancellationToken);
        }

        public IAsyncEnumerable<StoredEvent> ReadAsync(GrainId grainId, long fromSeq, CancellationToken cancellationToken = default) =>
            inner.ReadAsync(grainId, fromSeq, cancellationToken);

        public Task CompactAsync(GrainId grainId, long throughSeq, CompactionMode mode, CancellationToken cancellationToken = default) =>
            inner.CompactAsync(grainId, throughSeq, mode, cancellationToken);

        public Task DeleteAsync(GrainId grainId, CancellationToken cancellationToken = default) =>
            inner.DeleteAsync(grainId, cancellationToken);
    }
}
