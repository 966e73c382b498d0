using Duragent.Runtime;
using Duragent.Silo.Tests.Runtime.Grains;
using Duragent.Testing;

namespace Duragent.Silo.Tests.Runtime;

public sealed class ReminderTests
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);
    private readonly Probe _probe = new();

    private Task<TestSilo> StartAsync(TestSilo? sameStorageAs = null) =>
        TestSilo.StartAsync(b =>
        {
            b.WithProbe(_probe).AddGrain<IReminderGrain, ReminderGrain>().AddGrain<IPlainGrain, PlainGrain>();
            if (sameStorageAs is not null)
            {
                b.UseSameStorageAs(sameStorageAs);
            }
        });

    private ReceivedTick LastTick(string name) => _probe.Items<ReceivedTick>().Last(t => t.Name == name);

    [Fact]
    public async Task Reminder_TicksOnSchedule_AndRecordsEachTickInItsRow()
    {
        await using var silo = await StartAsync();
        var t0 = silo.Clock.GetUtcNow();
        await silo.GrainFactory.GetGrain<IReminderGrain>("r1").RegisterAsync("beat", t0 + Minute, Minute, MissedTickPolicy.Skip);

        silo.Clock.Advance(Minute - TimeSpan.FromTicks(1));
        Assert.Equal(0, _probe.Count("ticks:r1:beat"));
        silo.Clock.Advance(TimeSpan.FromTicks(1));
        await _probe.WaitAsync("tick:r1:beat:1");
        await silo.WaitForReminderDeliveriesAsync();

        Assert.Equal(new TickStatus(t0 + Minute, Minute, t0 + Minute, 0), LastTick("beat").Status);
        var row = await silo.InMemoryStorage!.Reminders.ReadRowAsync(new GrainId("reminder", "r1"), "beat");
        Assert.Equal(t0 + Minute, row!.LastTickAt);
        Assert.Equal(t0 + (2 * Minute), row.NextDueAt);

        silo.Clock.Advance(Minute);
        await _probe.WaitAsync("tick:r1:beat:2");
        Assert.Equal(t0 + (2 * Minute), LastTick("beat").Status.CurrentTickTime);
    }

    [Fact]
    public async Task Reminder_ActivatesItsGrain()
    {
        await using var silo = await StartAsync();
        var t0 = silo.Clock.GetUtcNow();
        await silo.GrainFactory.GetGrain<IReminderGrain>("sleeper").RegisterAsync("wake", t0 + Minute, Minute, MissedTickPolicy.Skip);
        await silo.DeactivateAsync(new GrainId("reminder", "sleeper"));
        Assert.Equal(0, silo.Catalog().Count);

        silo.Clock.Advance(Minute);
        await _probe.WaitAsync("tick:sleeper:wake:1");

        Assert.Equal(2, _probe.Count("activations:sleeper"));
    }

    [Fact]
    public async Task OneShotReminder_FiresOnce_AndIsRemoved()
    {
        await using var silo = await StartAsync();
        var t0 = silo.Clock.GetUtcNow();
        var grain = silo.GrainFactory.GetGrain<IReminderGrain>("once");
        await grain.RegisterAsync("single", t0 + TimeSpan.FromSeconds(30), TimeSpan.Zero, MissedTickPolicy.Skip);

        silo.Clock.Advance(TimeSpan.FromSeconds(30));
        await _probe.WaitAsync("tick:once:single:1");
        await silo.WaitForReminderDeliveriesAsync();

        Assert.Equal(new TickStatus(t0 + TimeSpan.FromSeconds(30), TimeSpan.Zero, t0 + TimeSpan.FromSeconds(30), 0), LastTick("single").Status);
        Assert.Null(await silo.InMemoryStorage!.Reminders.ReadRowAsync(new GrainId("reminder", "once"), "single"));
        Assert.Empty(await grain.GetRemindersAsync());
        silo.Clock.Advance(TimeSpan.FromHours(1));
        await silo.WaitForReminderDeliveriesAsync();
        Assert.Equal(1, _probe.Count("ticks:once:single"));
    }

    [Fact]
    public async Task FireOnce_AfterDowntime_DeliversOneCatchUpTick_ThenContinuesOnSchedule()
    {
        await using var first = await StartAsync();
        var t0 = first.Clock.GetUtcNow();
        await first.GrainFactory.GetGrain<IReminderGrain>("fo").RegisterAsync("job", t0 + Minute, Minute, MissedTickPolicy.FireOnce);
        first.Clock.Advance(Minute);
        await _probe.WaitAsync("tick:fo:job:1");
        await first.WaitForReminderDeliveriesAsync();
        await first.StopAsync();

        first.Clock.Advance(3.5 * Minute);
        await using var second = await StartAsync(sameStorageAs: first);

        await _probe.WaitAsync("tick:fo:job:2");
        Assert.Equal(new TickStatus(t0 + Minute, Minute, t0 + (4 * Minute), 3), LastTick("job").Status);
        Assert.Contains(second.Logs, r => r.EventId.Id == 1202 && r.Message.Contains("3 missed tick(s)", StringComparison.Ordinal));
        await second.WaitForReminderDeliveriesAsync();

        second.Clock.Advance(0.5 * Minute);
        await _probe.WaitAsync("tick:fo:job:3");
        Assert.Equal(new TickStatus(t0 + Minute, Minute, t0 + (5 * Minute), 0), LastTick("job").Status);
    }

    [Fact]
    public async Task Skip_AfterDowntime_WaitsForNextSlot_AndReportsSkippedTicks()
    {
        await using var first = await StartAsync();
        var t0 = first.Clock.GetUtcNow();
        await first.GrainFactory.GetGrain<IReminderGrain>("sk").RegisterAsync("job", t0 + Minute, Minute, MissedTickPolicy.Skip);
        first.Clock.Advance(Minute);
        await _probe.WaitAsync("tick:sk:job:1");
        await first.WaitForReminderDeliveriesAsync();
        await first.StopAsync();

        first.Clock.Advance(3.5 * Minute);
        await using var second = await StartAsync(sameStorageAs: first);

        Assert.Contains(second.Logs, r => r.EventId.Id == 1201 && r.Message.Contains("skipped 3 missed tick(s)", StringComparison.Ordinal));
        var plan = second.Reminders().GetPlan(new GrainId("reminder", "sk"), "job");
        Assert.Equal(new ReminderPlan(t0 + (5 * Minute), t0 + (5 * Minute), 3, t0 + (5 * Minute), ReminderPlanKind.Skipped), plan);
        Assert.Equal(1, _probe.Count("ticks:sk:job"));

        second.Clock.Advance(0.5 * Minute);
        await _probe.WaitAsync("tick:sk:job:2");
        Assert.Equal(new TickStatus(t0 + Minute, Minute, t0 + (5 * Minute), 3), LastTick("job").Status);
    }

    [Fact]
    public async Task FailingHandler_IsLogged_AndTheScheduleContinues()
    {
        await using var silo = await StartAsync();
        var t0 = silo.Clock.GetUtcNow();
        await silo.GrainFactory.GetGrain<IReminderGrain>("f").RegisterAsync("fail-always", t0 + Minute, Minute, MissedTickPolicy.Skip);

        silo.Clock.Advance(Minute);
        await _probe.WaitAsync("tick:f:fail-always:1");
        await silo.WaitForReminderDeliveriesAsync();
        Assert.Contains(silo.Logs, r => r.EventId.Id == 1203 && r.Exception is InvalidOperationException);
        Assert.Null((await silo.InMemoryStorage!.Reminders.ReadRowAsync(new GrainId("reminder", "f"), "fail-always"))!.LastTickAt);

        silo.Clock.Advance(Minute);
        await _probe.WaitAsync("tick:f:fail-always:2");
    }

    [Fact]
    public async Task Unregister_RemovesReminder_AndStopsTicks()
    {
        await using var silo = await StartAsync();
        var t0 = silo.Clock.GetUtcNow();
        var grain = silo.GrainFactory.GetGrain<IReminderGrain>("u");
        await grain.RegisterAsync("gone", t0 + Minute, Minute, MissedTickPolicy.Skip);
        Assert.Equal("gone", Assert.Single(await grain.GetRemindersAsync()).Name);

        Assert.True(await grain.UnregisterAsync("gone"));
        Assert.False(await grain.UnregisterAsync("gone"));
        silo.Clock.Advance(3 * Minute);
        await silo.WaitForReminderDeliveriesAsync();

        Assert.Equal(0, _probe.Count("ticks:u:gone"));
        Assert.Empty(await grain.GetRemindersAsync());
    }

    [Fact]
    public async Task Register_ReplacesTheSchedule()
    {
        await using var silo = await StartAsync();
        var t0 = silo.Clock.GetUtcNow();
        var grain = silo.GrainFactory.GetGrain<IReminderGrain>("re");
        await grain.RegisterAsync("job", t0 + Minute, Minute, MissedTickPolicy.Skip);
        await grain.RegisterAsync("job", t0 + (10 * Minute), 5 * Minute, MissedTickPolicy.FireOnce);

        silo.Clock.Advance(9 * Minute);
        await silo.WaitForReminderDeliveriesAsync();
        Assert.Equal(0, _probe.Count("ticks:re:job"));
        silo.Clock.Advance(Minute);
        await _probe.WaitAsync("tick:re:job:1");

        Assert.Equal(new TickStatus(t0 + (10 * Minute), 5 * Minute, t0 + (10 * Minute), 0), LastTick("job").Status);
        var info = Assert.Single(await grain.GetRemindersAsync());
        Assert.Equal(MissedTickPolicy.FireOnce, info.MissedTickPolicy);
    }

    [Fact]
    public async Task Register_ValidatesNameAndPeriod()
    {
        await using var silo = await StartAsync();
        var grain = silo.GrainFactory.GetGrain<IReminderGrain>("v");

        await Assert.ThrowsAsync<ArgumentException>(() => grain.RegisterAsync("no/slash", DateTimeOffset.UnixEpoch, Minute, MissedTickPolicy.Skip));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => grain.RegisterAsync("neg", DateTimeOffset.UnixEpoch, -Minute, MissedTickPolicy.Skip));
    }

    [Fact]
    public async Task GrainWithoutIRemindable_CannotRegister()
    {
        await using var silo = await StartAsync();

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => silo.GrainFactory.GetGrain<IPlainGrain>("p").RegisterReminderAsync());
        Assert.Contains("IRemindable", ex.Message, StringComparison.Ordinal);
    }
}
