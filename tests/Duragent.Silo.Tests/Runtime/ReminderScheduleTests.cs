using Duragent.Runtime;

namespace Duragent.Silo.Tests.Runtime;

public sealed class ReminderScheduleTests
{
    private static readonly DateTimeOffset S = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan P = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan Tick = TimeSpan.FromTicks(1);

    public static TheoryData<TimeSpan, TimeSpan> NextAtOrAfterCases => new()
    {
        { -TimeSpan.FromDays(3), TimeSpan.Zero },
        { -Tick, TimeSpan.Zero },
        { TimeSpan.Zero, TimeSpan.Zero },
        { Tick, P },
        { P - Tick, P },
        { P, P },
        { P + Tick, 2 * P },
        { (1000 * P) + TimeSpan.FromMinutes(5), 1001 * P },
    };

    [Theory]
    [MemberData(nameof(NextAtOrAfterCases))]
    public void NextTickAtOrAfter_IsFirstSlotNotBeforeTime(TimeSpan time, TimeSpan expected) =>
        Assert.Equal(S + expected, ReminderSchedule.NextTickAtOrAfter(S, P, S + time));

    public static TheoryData<TimeSpan, TimeSpan> NextAfterCases => new()
    {
        { -TimeSpan.FromDays(3), TimeSpan.Zero },
        { -Tick, TimeSpan.Zero },
        { TimeSpan.Zero, P },
        { P - Tick, P },
        { P, 2 * P },
        { (7 * P) + Tick, 8 * P },
    };

    [Theory]
    [MemberData(nameof(NextAfterCases))]
    public void NextTickAfter_IsFirstSlotStrictlyAfterTime(TimeSpan time, TimeSpan expected) =>
        Assert.Equal(S + expected, ReminderSchedule.NextTickAfter(S, P, S + time));

    [Fact]
    public void LatestTickAtOrBefore_HandlesEdges()
    {
        Assert.Null(ReminderSchedule.LatestTickAtOrBefore(S, P, S - Tick));
        Assert.Equal(S, ReminderSchedule.LatestTickAtOrBefore(S, P, S));
        Assert.Equal(S, ReminderSchedule.LatestTickAtOrBefore(S, P, S + P - Tick));
        Assert.Equal(S + P, ReminderSchedule.LatestTickAtOrBefore(S, P, S + P));
        Assert.Equal(S + (3 * P), ReminderSchedule.LatestTickAtOrBefore(S, P, S + (3.5 * P)));
    }

    [Fact]
    public void OneShot_HasSingleSlotAtStart()
    {
        Assert.Equal(S, ReminderSchedule.NextTickAtOrAfter(S, TimeSpan.Zero, S - P));
        Assert.Equal(S, ReminderSchedule.NextTickAtOrAfter(S, TimeSpan.Zero, S));
        Assert.Null(ReminderSchedule.NextTickAtOrAfter(S, TimeSpan.Zero, S + Tick));
        Assert.Equal(S, ReminderSchedule.NextTickAfter(S, TimeSpan.Zero, S - Tick));
        Assert.Null(ReminderSchedule.NextTickAfter(S, TimeSpan.Zero, S));
        Assert.Null(ReminderSchedule.LatestTickAtOrBefore(S, TimeSpan.Zero, S - Tick));
        Assert.Equal(S, ReminderSchedule.LatestTickAtOrBefore(S, TimeSpan.Zero, S + TimeSpan.FromDays(400)));
    }

    public static TheoryData<TimeSpan, TimeSpan, long> MissedCases => new()
    {
        { TimeSpan.Zero, TimeSpan.Zero, 0 },
        { TimeSpan.Zero, Tick, 1 },
        { TimeSpan.Zero, P, 1 },
        { TimeSpan.Zero, P + Tick, 2 },
        { P, 3.5 * P, 3 },
        { P, 3 * P, 2 },
        { -TimeSpan.FromHours(1), Tick, 1 },
        { 5 * P, 2 * P, 0 },
    };

    [Theory]
    [MemberData(nameof(MissedCases))]
    public void MissedSlots_CountsSlotsFromInclusiveToNowExclusive(TimeSpan from, TimeSpan now, long expected) =>
        Assert.Equal(expected, ReminderSchedule.MissedSlots(S, P, S + from, S + now));

    [Fact]
    public void MissedSlots_OneShot()
    {
        Assert.Equal(1, ReminderSchedule.MissedSlots(S, TimeSpan.Zero, S, S + Tick));
        Assert.Equal(0, ReminderSchedule.MissedSlots(S, TimeSpan.Zero, S, S));
        Assert.Equal(0, ReminderSchedule.MissedSlots(S, TimeSpan.Zero, S + Tick, S + P));
    }

    [Fact]
    public void HugeGap_IsExact()
    {
        var second = TimeSpan.FromSeconds(1);
        var now = S.AddYears(100);
        var expected = (long)(now - S).TotalSeconds;

        Assert.Equal(expected, ReminderSchedule.MissedSlots(S, second, S, now));
        Assert.Equal(now, ReminderSchedule.NextTickAtOrAfter(S, second, now));
        Assert.Equal(now + second, ReminderSchedule.NextTickAfter(S, second, now));
    }

    [Fact]
    public void SlotBeyondMaxValue_IsNull()
    {
        var start = DateTimeOffset.MaxValue - TimeSpan.FromMinutes(5);
        Assert.Null(ReminderSchedule.NextTickAtOrAfter(start, P, start + Tick));
        Assert.Null(ReminderSchedule.NextTickAfter(start, P, start));
        Assert.Null(ReminderSchedule.Plan(start, P, MissedTickPolicy.Skip, start, start + Tick));
    }

    [Fact]
    public void Results_AreUtc_ForAnyOffset()
    {
        var local = new DateTimeOffset(2026, 1, 1, 2, 0, 0, TimeSpan.FromHours(2));
        var next = ReminderSchedule.NextTickAfter(local, P, local);

        Assert.Equal(TimeSpan.Zero, next!.Value.Offset);
        Assert.Equal(S + P, next);
    }

    [Fact]
    public void NegativePeriod_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => ReminderSchedule.NextTickAfter(S, -P, S));

    [Theory]
    [InlineData(MissedTickPolicy.Skip)]
    [InlineData(MissedTickPolicy.FireOnce)]
    public void Plan_FutureOrCurrentSlot_IsOnTime(MissedTickPolicy policy)
    {
        Assert.Equal(new ReminderPlan(S + P, S + P, 0, S + P, ReminderPlanKind.OnTime), ReminderSchedule.Plan(S, P, policy, S + P, S + Tick));
        Assert.Equal(new ReminderPlan(S + P, S + P, 0, S + P, ReminderPlanKind.OnTime), ReminderSchedule.Plan(S, P, policy, S + P, S + P));
    }

    [Fact]
    public void Plan_Skip_WaitsForNextSlot_AndCountsSkipped()
    {
        Assert.Equal(new ReminderPlan(S + (4 * P), S + (4 * P), 3, S + (4 * P), ReminderPlanKind.Skipped), ReminderSchedule.Plan(S, P, MissedTickPolicy.Skip, S + P, S + (3.5 * P)));
        Assert.Equal(new ReminderPlan(S + (3 * P), S + (3 * P), 2, S + (3 * P), ReminderPlanKind.Skipped), ReminderSchedule.Plan(S, P, MissedTickPolicy.Skip, S + P, S + (3 * P)));
    }

    [Fact]
    public void Plan_FireOnce_DeliversLatestMissedSlotNow()
    {
        var now = S + (3.5 * P);
        Assert.Equal(new ReminderPlan(now, S + (3 * P), 3, S + P, ReminderPlanKind.CatchUp), ReminderSchedule.Plan(S, P, MissedTickPolicy.FireOnce, S + P, now));

        var onSlot = S + (3 * P);
        Assert.Equal(new ReminderPlan(onSlot, S + (2 * P), 2, S + P, ReminderPlanKind.CatchUp), ReminderSchedule.Plan(S, P, MissedTickPolicy.FireOnce, S + P, onSlot));
    }

    [Theory]
    [InlineData(MissedTickPolicy.Skip)]
    [InlineData(MissedTickPolicy.FireOnce)]
    public void Plan_LateOneShot_FiresOnceWhateverThePolicy(MissedTickPolicy policy)
    {
        var now = S + TimeSpan.FromHours(1);
        Assert.Equal(new ReminderPlan(now, S, 1, S, ReminderPlanKind.CatchUp), ReminderSchedule.Plan(S, TimeSpan.Zero, policy, S, now));
        Assert.Equal(ReminderPlanKind.OnTime, ReminderSchedule.Plan(S, TimeSpan.Zero, policy, S, S - Tick)!.Value.Kind);
    }
}
