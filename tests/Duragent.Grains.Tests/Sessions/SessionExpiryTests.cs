using Duragent.FakeLlm;
using Duragent.Sessions;
using Duragent.Sessions.Events;

namespace Duragent.Grains.Tests.Sessions;

public sealed class SessionExpiryTests
{
    [Fact]
    public async Task IdleSession_ExpiresAfterTheTtl_AndKeepsItsHistory()
    {
        await using var kit = await SessionKit.StartAsync(sessions: o => o.TtlHours = 2, fakeClock: true);
        kit.Llm.Enqueue(FakeResponse.Text("hi"));
        var (id, session) = await kit.CreateAsync();
        await kit.AskAsync(session, "hello");
        await AfterTurnAsync(session);

        // The fake clock drives Orleans' reminder service too: moving it to the due time delivers the tick.
        kit.Silo.Clock!.Advance(TimeSpan.FromHours(2));
        await SessionKit.WaitForStatusAsync(session, SessionStatus.Completed);

        var changed = (await kit.EventsAsync<StatusChanged>(id)).Last();
        Assert.Contains("expired after 2 hours", changed.Reason, StringComparison.Ordinal);
        Assert.Equal(2, (await session.GetMessagesAsync(new MessageQuery())).Messages.Count);
        await Assert.ThrowsAsync<SessionStateException>(() => session.SendMessageAsync(new SendMessage("again")));
    }

    [Fact]
    public async Task ActivityMovesTheExpiry()
    {
        await using var kit = await SessionKit.StartAsync(sessions: o => o.TtlHours = 2, fakeClock: true);
        kit.Llm.Enqueue(FakeResponse.Text("one"), FakeResponse.Text("two"));
        var (id, session) = await kit.CreateAsync();
        await kit.AskAsync(session, "first");
        await AfterTurnAsync(session);
        kit.Silo.Clock!.Advance(TimeSpan.FromHours(1.5));
        await kit.AskAsync(session, "second");
        await AfterTurnAsync(session);

        // Past the first due time (2 h after the first turn): the reminder was moved to 2 h after the second.
        kit.Silo.Clock.Advance(TimeSpan.FromHours(1));
        await Task.Delay(300);
        Assert.Equal(SessionStatus.Active, (await session.GetInfoAsync())!.Status);

        kit.Silo.Clock.Advance(TimeSpan.FromHours(1));
        await SessionKit.WaitForStatusAsync(session, SessionStatus.Completed);
        Assert.Equal(2, (await kit.EventsAsync<TurnCompleted>(id)).Count);
    }

    // The waiter returns once the turn's last events are recorded; the grain then plans the expiry in the same grain
    // turn. A call that does not interleave queues behind it: the clock must not move while that plan is being made
    // (the fake clock also drives grain-call timeouts).
    private static Task AfterTurnAsync(ISessionGrain session) => session.ResumeAsync();

    [Fact]
    public async Task ZeroTtl_NeverExpires()
    {
        await using var kit = await SessionKit.StartAsync(sessions: o => o.TtlHours = 0, fakeClock: true);
        var (_, session) = await kit.CreateAsync();

        kit.Silo.Clock!.Advance(TimeSpan.FromDays(365));
        await Task.Delay(300);

        Assert.Equal(SessionStatus.Active, (await session.GetInfoAsync())!.Status);
    }
}
