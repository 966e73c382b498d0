using Duragent.Testing;

namespace Duragent.Silo.Tests.Runtime.Testing;

public sealed class FakeTimeProviderTests
{
    [Fact]
    public void Advance_FiresDueTimersInOrder_EachAtItsOwnTime()
    {
        var clock = new FakeTimeProvider();
        var start = clock.GetUtcNow();
        var fired = new List<(string, DateTimeOffset)>();
        using var late = clock.CreateTimer(_ => fired.Add(("late", clock.GetUtcNow())), null, TimeSpan.FromSeconds(30), Timeout.InfiniteTimeSpan);
        using var early = clock.CreateTimer(_ => fired.Add(("early", clock.GetUtcNow())), null, TimeSpan.FromSeconds(10), Timeout.InfiniteTimeSpan);
        using var never = clock.CreateTimer(_ => fired.Add(("never", clock.GetUtcNow())), null, TimeSpan.FromMinutes(5), Timeout.InfiniteTimeSpan);

        clock.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal([("early", start.AddSeconds(10)), ("late", start.AddSeconds(30))], fired);
        Assert.Equal(start.AddMinutes(1), clock.GetUtcNow());
    }

    [Fact]
    public void PeriodicTimer_FiresOncePerPeriod()
    {
        var clock = new FakeTimeProvider();
        var count = 0;
        using var timer = clock.CreateTimer(_ => count++, null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));

        clock.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal(10, count);
    }

    [Fact]
    public void DisposedOrChangedTimer_DoesNotFireAtOldTime()
    {
        var clock = new FakeTimeProvider();
        var fired = new List<string>();
        var disposed = clock.CreateTimer(_ => fired.Add("disposed"), null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
        using var changed = clock.CreateTimer(_ => fired.Add("changed"), null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
        disposed.Dispose();
        changed.Change(TimeSpan.FromSeconds(5), Timeout.InfiniteTimeSpan);

        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Empty(fired);
        clock.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(["changed"], fired);
        Assert.False(disposed.Change(TimeSpan.Zero, Timeout.InfiniteTimeSpan));
    }

    [Fact]
    public async Task ZeroDueTime_FiresSoonWithoutMovingTheClock()
    {
        var clock = new FakeTimeProvider();
        var start = clock.GetUtcNow();
        var fired = new TaskCompletionSource<DateTimeOffset>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var timer = clock.CreateTimer(_ => fired.TrySetResult(clock.GetUtcNow()), null, TimeSpan.Zero, Timeout.InfiniteTimeSpan);

        Assert.Equal(start, await fired.Task.WaitFor("the zero-due timer"));
    }

    [Fact]
    public async Task TimeProviderApis_UseTheFakeClock()
    {
        var clock = new FakeTimeProvider();
        var delay = Task.Delay(TimeSpan.FromHours(1), clock);
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(30), clock);

        clock.Advance(TimeSpan.FromMinutes(30));
        Assert.True(cts.IsCancellationRequested);
        Assert.False(delay.IsCompleted);
        clock.Advance(TimeSpan.FromMinutes(30));
        await delay.WaitFor("Task.Delay on the fake clock");
    }

    [Fact]
    public void Clock_NeverMovesBackwards()
    {
        var clock = new FakeTimeProvider();

        Assert.Throws<ArgumentOutOfRangeException>(() => clock.Advance(TimeSpan.FromTicks(-1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => clock.SetUtcNow(clock.GetUtcNow().AddSeconds(-1)));
    }
}
