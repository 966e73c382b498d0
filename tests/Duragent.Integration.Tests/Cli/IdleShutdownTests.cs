using Duragent.Cli.Serve;
using Duragent.Sessions;
using Duragent.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace Duragent.Integration.Tests.Cli;

public sealed class IdleShutdownTests
{
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData(0, 0, 10, true)]
    [InlineData(0, 0, 11, true)]
    [InlineData(0, 0, 9, false)]
    [InlineData(1, 0, 60, false)]
    [InlineData(0, 1, 60, false)]
    public void IsIdle_NeedsNothingLiveForTheWholeIdleTime(int attached, int running, int secondsSinceActive, bool expected)
    {
        var clock = new FakeTimeProvider();
        var start = clock.GetUtcNow();
        var activity = new FakeActivity { Attached = attached, Running = running, LastActive = start };
        var requests = new RequestActivity(clock);
        clock.Advance(TimeSpan.FromSeconds(secondsSinceActive));

        Assert.Equal(expected, IdleShutdownService.IsIdle(activity, requests, start, clock.GetUtcNow(), Idle));
    }

    [Fact]
    public void IsIdle_ApiRequestsAndReadinessCountAsActivity()
    {
        var clock = new FakeTimeProvider();
        var start = clock.GetUtcNow();
        var activity = new FakeActivity { LastActive = start };
        var requests = new RequestActivity(clock);
        clock.Advance(TimeSpan.FromSeconds(30));

        requests.Begin();
        Assert.False(IdleShutdownService.IsIdle(activity, requests, start, clock.GetUtcNow(), Idle));
        clock.Advance(TimeSpan.FromSeconds(30));
        Assert.False(IdleShutdownService.IsIdle(activity, requests, start, clock.GetUtcNow(), Idle));
        requests.End();
        clock.Advance(TimeSpan.FromSeconds(9));
        Assert.False(IdleShutdownService.IsIdle(activity, requests, start, clock.GetUtcNow(), Idle));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(IdleShutdownService.IsIdle(activity, requests, start, clock.GetUtcNow(), Idle));
        Assert.False(IdleShutdownService.IsIdle(activity, requests, clock.GetUtcNow(), clock.GetUtcNow(), Idle));
        Assert.False(RequestActivity.Counts("/readyz"));
        Assert.True(RequestActivity.Counts("/api/v1/sessions"));
    }

    [Fact]
    public void IsIdle_BeforeTheFirstClient_WaitsTheFirstClientGrace_ThenTheIdleTime()
    {
        var clock = new FakeTimeProvider();
        var start = clock.GetUtcNow();
        var activity = new FakeActivity { LastActive = start };
        var requests = new RequestActivity(clock);
        var grace = TimeSpan.FromSeconds(15);

        clock.Advance(TimeSpan.FromSeconds(14));
        Assert.False(IdleShutdownService.IsIdle(activity, requests, start, clock.GetUtcNow(), Idle, grace));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(IdleShutdownService.IsIdle(activity, requests, start, clock.GetUtcNow(), Idle, grace));

        // Once a client called, the plain idle time applies again.
        requests.Begin();
        requests.End();
        clock.Advance(Idle);
        Assert.True(IdleShutdownService.IsIdle(activity, requests, start, clock.GetUtcNow(), Idle, grace));

        // A grace shorter than the idle time changes nothing.
        Assert.True(IdleShutdownService.IsIdle(activity, new RequestActivity(clock), start, clock.GetUtcNow() + Idle, Idle, TimeSpan.FromSeconds(5)));
    }

    [Theory]
    [InlineData(1, 250)]
    [InlineData(2, 500)]
    [InlineData(10, 2500)]
    [InlineData(300, 5000)]
    public void CheckInterval_IsAQuarterOfTheIdleTime_Within250MsAnd5s(int idleSeconds, int expectedMs)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), new IdleShutdownOptions(TimeSpan.FromSeconds(idleSeconds)).CheckInterval);
    }

    [Fact]
    public async Task Service_StopsTheHost_OnlyAfterTheIdleTimeWithoutLiveSessions()
    {
        var clock = new FakeTimeProvider();
        var activity = new FakeActivity { Attached = 1, LastActive = clock.GetUtcNow() };
        var lifetime = new FakeLifetime();
        var options = new IdleShutdownOptions(Idle);
        using var service = new IdleShutdownService(activity, new RequestActivity(clock), lifetime, clock, options, NullLogger<IdleShutdownService>.Instance);
        await service.StartAsync(CancellationToken.None);

        // ExecuteAsync runs on its own task: its timer must exist before the clock moves.
        Assert.True(SpinWait.SpinUntil(() => clock.ArmedTimers > 0, TimeSpan.FromSeconds(10)), "The idle check timer was never armed.");

        // Live for 20 s: never stops.
        for (var i = 0; i < 8; i++)
        {
            await TickAsync(clock, activity, options, expectCheck: clock.GetUtcNow() + options.CheckInterval - FakeTimeProvider.DefaultStart >= Idle);
        }

        Assert.False(lifetime.Stopped.IsCompleted);

        // The client leaves: 7.5 s later still up, 10 s later stopped.
        activity.Attached = 0;
        activity.LastActive = clock.GetUtcNow();
        for (var i = 0; i < 3; i++)
        {
            await TickAsync(clock, activity, options, expectCheck: true);
        }

        Assert.False(lifetime.Stopped.IsCompleted);
        clock.Advance(options.CheckInterval);
        await lifetime.Stopped.WaitFor("the idle server to stop the host");
        await service.StopAsync(CancellationToken.None);
    }

    private static async Task TickAsync(FakeTimeProvider clock, FakeActivity activity, IdleShutdownOptions options, bool expectCheck)
    {
        var checks = activity.Checks;
        clock.Advance(options.CheckInterval);
        if (expectCheck)
        {
            await activity.WaitForChecksAsync(checks + 1).WaitFor("the idle check after a tick");
        }
    }

    private sealed class FakeActivity : ISessionActivity
    {
        private readonly Lock _lock = new();
        private readonly List<(int Target, TaskCompletionSource Done)> _waiters = [];
        private int _checks;

        public int Attached { get; set; }

        public int Running { get; set; }

        public DateTimeOffset LastActive { get; set; }

        public int Checks => Volatile.Read(ref _checks);

        public int AttachedClients => Attached;

        public int RunningTurns => Running;

        public DateTimeOffset LastActiveAt => LastActive;

        bool ISessionActivity.IsLive
        {
            get
            {
                var live = Attached > 0 || Running > 0;
                lock (_lock)
                {
                    _checks++;
                    foreach (var waiter in _waiters.Where(w => _checks >= w.Target).ToList())
                    {
                        waiter.Done.TrySetResult();
                        _waiters.Remove(waiter);
                    }
                }

                return live;
            }
        }

        public Task WaitForChecksAsync(int target)
        {
            lock (_lock)
            {
                if (_checks >= target)
                {
                    return Task.CompletedTask;
                }

                var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiters.Add((target, done));
                return done.Task;
            }
        }
    }

    private sealed class FakeLifetime : IHostApplicationLifetime
    {
        private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Stopped => _stopped.Task;

        public CancellationToken ApplicationStarted => new(canceled: true);

        public CancellationToken ApplicationStopping => CancellationToken.None;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void StopApplication() => _stopped.TrySetResult();
    }
}
