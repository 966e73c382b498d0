using System.Diagnostics;
using Duragent.FakeLlm;
using Duragent.Sessions;
using Duragent.Sessions.Events;

namespace Duragent.Grains.Tests.Sessions;

/// <summary>
/// Idle expiry on real Orleans reminders and real time, with a TTL of seconds (a reminder's due time has no minimum;
/// only its period does). The clock is the silo's own: Orleans' timers and reminders cannot run on a fake one.
/// </summary>
public sealed class SessionExpiryTests
{
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task IdleSession_ExpiresAfterTheTtl_AndKeepsItsHistory()
    {
        await using var kit = await SessionKit.StartAsync(sessions: o => o.Ttl = Ttl);
        kit.Llm.Enqueue(FakeResponse.Text("hi"));
        var (id, session) = await kit.CreateAsync();
        await kit.AskAsync(session, "hello");

        await SessionKit.WaitForStatusAsync(session, SessionStatus.Completed);

        var changed = (await kit.EventsAsync<StatusChanged>(id)).Last();
        Assert.Contains("expired after 3 seconds", changed.Reason, StringComparison.Ordinal);
        Assert.Equal(2, (await session.GetMessagesAsync(new MessageQuery())).Messages.Count);
        await Assert.ThrowsAsync<SessionStateException>(() => session.SendMessageAsync(new SendMessage("again")));
    }

    [Fact]
    public async Task ActivityMovesTheExpiry()
    {
        await using var kit = await SessionKit.StartAsync(sessions: o => o.Ttl = Ttl);
        kit.Llm.Enqueue(FakeResponse.Text("one"), FakeResponse.Text("two"));
        var (id, session) = await kit.CreateAsync();
        await kit.AskAsync(session, "first");
        var first = Stopwatch.StartNew();
        await Task.Delay(Ttl / 2);
        await kit.AskAsync(session, "second");
        var second = Stopwatch.StartNew();

        // Past the first turn's expiry, before the second's: still active.
        var untilFirstDue = Ttl - first.Elapsed + TimeSpan.FromMilliseconds(400);
        if (untilFirstDue > TimeSpan.Zero)
        {
            await Task.Delay(untilFirstDue);
        }

        Assert.True(second.Elapsed < Ttl, $"the machine was too slow for this test ({second.Elapsed} since the second turn)");
        Assert.Equal(SessionStatus.Active, (await session.GetInfoAsync())!.Status);

        await SessionKit.WaitForStatusAsync(session, SessionStatus.Completed);
        // The TTL counts from the second turn's last event, recorded a moment before its reply reached the test.
        Assert.True(second.Elapsed >= Ttl - TimeSpan.FromMilliseconds(250), $"expired {second.Elapsed} after the second turn, before its TTL of {Ttl}");
        Assert.Equal(2, (await kit.EventsAsync<TurnCompleted>(id)).Count);
    }

    [Fact]
    public async Task ZeroTtl_NeverExpires()
    {
        await using var kit = await SessionKit.StartAsync(sessions: o => o.Ttl = TimeSpan.Zero);
        kit.Llm.Enqueue(FakeResponse.Text("hi"));
        var (id, session) = await kit.CreateAsync();
        await kit.AskAsync(session, "hello");

        await Task.Delay(Ttl + TimeSpan.FromSeconds(1));

        Assert.Equal(SessionStatus.Active, (await session.GetInfoAsync())!.Status);
        Assert.DoesNotContain(await kit.EventsAsync<StatusChanged>(id), e => e.To == SessionStatus.Completed);
    }
}
