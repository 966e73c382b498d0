using Duragent.Schedules;

namespace Duragent.Grains.Tests.Schedules;

/// <summary>The catch-up rule: which due slot fires, which are recorded as skipped and why, and what comes next.</summary>
public sealed class SlotPlannerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 3, 15, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Grace = TimeSpan.FromHours(1);
    private static readonly TimeSpan OnTime = TimeSpan.FromSeconds(30);

    private static readonly ScheduleTiming EveryTenMinutes = ScheduleTiming.Periodic(TimeSpan.FromMinutes(10), T0);

    [Fact]
    public void NothingIsDueBeforeTheSlot()
    {
        var plan = SlotPlanner.Plan(EveryTenMinutes, T0.AddMinutes(10), T0.AddMinutes(9), CatchUpPolicy.Once, Grace, OnTime);
        Assert.Null(plan.Fire);
        Assert.Empty(plan.Skipped);
        Assert.Equal(T0.AddMinutes(10), plan.Next);
    }

    [Fact]
    public void ASlotOnTimeFiresUnderBothPolicies()
    {
        foreach (var policy in new[] { CatchUpPolicy.Once, CatchUpPolicy.Skip })
        {
            var plan = SlotPlanner.Plan(EveryTenMinutes, T0.AddMinutes(10), T0.AddMinutes(10).AddSeconds(2), policy, Grace, OnTime);
            Assert.Equal(T0.AddMinutes(10), plan.Fire);
            Assert.False(plan.Late);
            Assert.Empty(plan.Skipped);
            Assert.Equal(T0.AddMinutes(20), plan.Next);
        }
    }

    [Fact]
    public void CatchUpOnce_FiresOnlyTheLatestMissedSlotAndRecordsTheOthers()
    {
        // Down from 15:05 to 15:47: the slots 15:10, 15:20, 15:30 and 15:40 were missed.
        var plan = SlotPlanner.Plan(EveryTenMinutes, T0.AddMinutes(10), T0.AddMinutes(47), CatchUpPolicy.Once, Grace, OnTime);
        Assert.Equal(T0.AddMinutes(40), plan.Fire);
        Assert.True(plan.Late);
        var skipped = Assert.Single(plan.Skipped);
        Assert.Equal(3, skipped.Count);
        Assert.Equal(T0.AddMinutes(10), skipped.First);
        Assert.Equal(T0.AddMinutes(30), skipped.Last);
        Assert.Contains("catch_up once runs only the latest", skipped.Reason, StringComparison.Ordinal);
        Assert.Equal(T0.AddMinutes(50), plan.Next);
    }

    [Fact]
    public void CatchUpOnce_BeyondTheGraceWindowSkipsWithAReason()
    {
        var plan = SlotPlanner.Plan(EveryTenMinutes, T0.AddMinutes(10), T0.AddMinutes(16) + TimeSpan.FromHours(1), CatchUpPolicy.Once, TimeSpan.FromMinutes(5), OnTime);
        Assert.Null(plan.Fire);
        Assert.Equal(2, plan.Skipped.Count);
        Assert.Equal(6, plan.Skipped[0].Count);
        Assert.Equal(1, plan.Skipped[1].Count);
        Assert.Contains("missed by 6m, beyond the grace window of 5m", plan.Skipped[1].Reason, StringComparison.Ordinal);
        Assert.Equal(T0.AddMinutes(80), plan.Next);
    }

    [Fact]
    public void CatchUpSkip_SkipsEveryMissedSlot()
    {
        var plan = SlotPlanner.Plan(EveryTenMinutes, T0.AddMinutes(10), T0.AddMinutes(47), CatchUpPolicy.Skip, Grace, OnTime);
        Assert.Null(plan.Fire);
        Assert.Equal(4, plan.Skipped.Sum(s => s.Count));
        Assert.All(plan.Skipped, s => Assert.Contains("catch_up: skip", s.Reason, StringComparison.Ordinal));
        Assert.Equal(T0.AddMinutes(50), plan.Next);
    }

    [Fact]
    public void ASlotDueBeforeTheSiloStartedIsMissedHoweverRecent()
    {
        // The silo came back 3 s after the 15:10 slot: under skip it does not fire, under once it is caught up.
        var started = T0.AddMinutes(10).AddSeconds(3);
        var skip = SlotPlanner.Plan(EveryTenMinutes, T0.AddMinutes(10), started.AddSeconds(1), CatchUpPolicy.Skip, Grace, OnTime, started);
        Assert.Null(skip.Fire);
        Assert.Contains("due while the silo was down (catch_up: skip)", Assert.Single(skip.Skipped).Reason, StringComparison.Ordinal);

        var once = SlotPlanner.Plan(EveryTenMinutes, T0.AddMinutes(10), started.AddSeconds(1), CatchUpPolicy.Once, Grace, OnTime, started);
        Assert.Equal(T0.AddMinutes(10), once.Fire);
        Assert.True(once.Late);

        // A slot due after the start is on time even when a busy silo reaches it late (within the tolerance).
        var later = SlotPlanner.Plan(EveryTenMinutes, T0.AddMinutes(20), T0.AddMinutes(20).AddSeconds(20), CatchUpPolicy.Skip, Grace, OnTime, started);
        Assert.Equal(T0.AddMinutes(20), later.Fire);
    }

    [Fact]
    public void OneShotMissedBeyondGraceIsSkippedAndHasNoNextSlot()
    {
        var once = ScheduleTiming.OneShot(T0);
        var plan = SlotPlanner.Plan(once, T0, T0.AddHours(3), CatchUpPolicy.Once, Grace, OnTime);
        Assert.Null(plan.Fire);
        Assert.Single(plan.Skipped);
        Assert.Null(plan.Next);

        var caught = SlotPlanner.Plan(once, T0, T0.AddMinutes(3), CatchUpPolicy.Once, Grace, OnTime);
        Assert.Equal(T0, caught.Fire);
        Assert.Null(caught.Next);
    }

    [Fact]
    public void RetryBackoff_GrowsIsCappedAndJittered()
    {
        var b = TimeSpan.FromSeconds(10);
        var max = TimeSpan.FromMinutes(10);
        Assert.Equal(TimeSpan.FromSeconds(7.5), RetryBackoff.Delay(1, b, max, 0));
        Assert.Equal(TimeSpan.FromSeconds(12.5), RetryBackoff.Delay(1, b, max, 1));
        Assert.Equal(TimeSpan.FromSeconds(40), RetryBackoff.Delay(3, b, max, 0.5));
        Assert.Equal(max, RetryBackoff.Delay(40, b, max, 0.5));
        Assert.True(RetryBackoff.Delay(2, b, max, 0.9) > RetryBackoff.Delay(2, b, max, 0.1));
    }
}
