using Duragent.Schedules;
using Duragent.Testing;

namespace Duragent.Grains.Tests.Schedules;

/// <summary>
/// The time math of schedules as pure functions: parsing (with located errors), the next and latest slot around a
/// moment, DST both ways in zones of both hemispheres, month ends, leap days, seconds, and <c>every</c> across a restart.
/// </summary>
public sealed class ScheduleTimingTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 3, 15, 0, 0, TimeSpan.Zero);

    private static ScheduleSpec Cron(string cron, string? zone = null) => new("assistant", "hi", Cron: cron, TimeZone: zone);

    private static DateTimeOffset Utc(int y, int mo, int d, int h, int mi, int s = 0) => new(y, mo, d, h, mi, s, TimeSpan.Zero);

    private static ScheduleInvalidException Invalid(ScheduleSpec spec, DateTimeOffset? now = null) =>
        Assert.Throws<ScheduleInvalidException>(() => ScheduleTiming.Parse(spec, now ?? Now));

    [Theory]
    [InlineData("2026-12-03T18:00:00Z", "2026-12-03T18:00:00+00:00")]
    [InlineData("2026-12-03T18:00:00+01:00", "2026-12-03T17:00:00+00:00")]
    [InlineData("2026-12-03 18:00:00.250-05:30", "2026-12-03T23:30:00.25+00:00")]
    [InlineData("2026-12-03T18:00Z", "2026-12-03T18:00:00+00:00")]
    [InlineData("in 20m", "2026-12-03T15:20:00+00:00")]
    [InlineData("in 1d2h", "2026-12-04T17:00:00+00:00")]
    public void At_AcceptsRfc3339AndDelays(string at, string expected)
    {
        var timing = ScheduleTiming.Parse(new ScheduleSpec("a", "t", At: at), Now);
        Assert.Equal("at", timing.Kind);
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), timing.At);
        Assert.Equal(timing.At, timing.Next(Now));
        Assert.Null(timing.Next(timing.At!.Value));
    }

    [Fact]
    public void At_WithoutOffsetIsReadInTheTimeZone()
    {
        var timing = ScheduleTiming.Parse(new ScheduleSpec("a", "t", At: "2026-12-24T18:00:00", TimeZone: "Europe/Paris"), Now);
        Assert.Equal(Utc(2026, 12, 24, 17, 0), timing.At);
    }

    [Theory]
    [InlineData("2026-12-03T14:59:59Z", "is in the past")]
    [InlineData("2026-12-03T18:00:00", "has no UTC offset")]
    [InlineData("tomorrow", "is not a time")]
    [InlineData("2026-02-30T10:00:00Z", "is not a valid date")]
    [InlineData("2026-12-03T18:00:00+15:00", "invalid UTC offset")]
    [InlineData("in 5 minutes", "unknown unit")]
    [InlineData("in ", "empty")]
    public void At_RejectsBadTimesNamingTheField(string at, string problem)
    {
        var error = Invalid(new ScheduleSpec("a", "t", At: at));
        Assert.Equal("at", error.Field);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("at: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void At_InTheSpringForwardGapIsRejected()
    {
        var error = Invalid(new ScheduleSpec("a", "t", At: "2027-03-28T02:30:00", TimeZone: "Europe/Berlin"));
        Assert.Equal("at", error.Field);
        Assert.Contains("does not exist in Europe/Berlin", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void At_AmbiguousLocalTimeIsItsFirstOccurrence()
    {
        // 2027-10-31 02:30 happens twice in Berlin: first at +02:00 (00:30Z), then at +01:00 (01:30Z).
        var timing = ScheduleTiming.Parse(new ScheduleSpec("a", "t", At: "2027-10-31T02:30:00", TimeZone: "Europe/Berlin"), Now);
        Assert.Equal(Utc(2027, 10, 31, 0, 30), timing.At);
    }

    [Theory]
    [InlineData("0s")]
    [InlineData("0m")]
    [InlineData("0")]
    [InlineData("")]
    [InlineData("-5m")]
    [InlineData("5")]
    [InlineData("30m1h")]
    [InlineData("1h1h")]
    [InlineData("99999999999999999999d")]
    [InlineData("3651d")]
    public void Every_RejectsZeroAndMalformedIntervalsNamingTheField(string every)
    {
        var error = Invalid(new ScheduleSpec("a", "t", Every: every));
        Assert.Equal("every", error.Field);
        Assert.StartsWith("every: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_SlotsAreAnchorPlusMultiples()
    {
        var timing = ScheduleTiming.Parse(new ScheduleSpec("a", "t", Every: "90s", Anchor: Now), Now);
        Assert.False(timing.SubMinute);
        Assert.True(ScheduleTiming.Parse(new ScheduleSpec("a", "t", Every: "59s"), Now).SubMinute);
        Assert.Equal(Now + TimeSpan.FromSeconds(90), timing.Next(Now));
        Assert.Equal(Now + TimeSpan.FromSeconds(180), timing.Next(Now + TimeSpan.FromSeconds(90)));
        Assert.Equal(Now + TimeSpan.FromSeconds(90), timing.Latest(Now + TimeSpan.FromSeconds(179)));
        Assert.Equal(Now, timing.Next(Now - TimeSpan.FromHours(1)));
        Assert.Null(timing.Latest(Now - TimeSpan.FromTicks(1)));
        Assert.Equal(3, timing.Count(Now, Now + TimeSpan.FromSeconds(270)));
        Assert.Equal(4, timing.Count(Now, Now + TimeSpan.FromSeconds(271)));
    }

    [Fact]
    public void Every_DefaultAnchorIsNowAndTheFirstSlotIsOneIntervalLater()
    {
        var timing = ScheduleTiming.Parse(new ScheduleSpec("a", "t", Every: "15m"), Now);
        Assert.False(timing.SubMinute);
        Assert.Equal(Now, timing.Anchor);
        Assert.Equal(Now.AddMinutes(15), timing.Next(Now));
    }

    [Fact]
    public void Every_AcrossARestartKeepsTheSameSlots()
    {
        // A silo computes slots with a clock; it stops for a while, and a new silo parses the stored spec (anchor kept)
        // with a later clock: the slots are those of the same grid, not shifted to the restart time.
        var clock = new FakeTimeProvider(Now);
        var spec = new ScheduleSpec("a", "t", Every: "7m", Anchor: clock.GetUtcNow());
        var before = ScheduleTiming.Parse(spec, clock.GetUtcNow());
        var slots = new List<DateTimeOffset>();
        var cursor = clock.GetUtcNow();
        for (var i = 0; i < 3; i++)
        {
            cursor = before.Next(cursor)!.Value;
            clock.SetUtcNow(cursor);
            slots.Add(cursor);
        }

        clock.Advance(TimeSpan.FromMinutes(100) + TimeSpan.FromSeconds(13));
        var after = ScheduleTiming.Parse(spec, clock.GetUtcNow());
        var next = after.Next(clock.GetUtcNow())!.Value;
        Assert.Equal(0, (next - Now).Ticks % TimeSpan.FromMinutes(7).Ticks);
        Assert.True(next > clock.GetUtcNow() && next - clock.GetUtcNow() <= TimeSpan.FromMinutes(7));
        Assert.Equal(slots, [Now.AddMinutes(7), Now.AddMinutes(14), Now.AddMinutes(21)]);
        Assert.Equal(Now.AddMinutes(119), after.Latest(clock.GetUtcNow()));
    }

    [Fact]
    public void Every_IsAnAbsoluteDurationAcrossDst()
    {
        var anchor = new DateTimeOffset(2027, 3, 27, 12, 0, 0, TimeSpan.FromHours(1));
        var timing = ScheduleTiming.Parse(new ScheduleSpec("a", "t", Every: "1d", Anchor: anchor), anchor);
        Assert.Equal(anchor.AddHours(24), timing.Next(anchor));
    }

    [Fact]
    public void Cron_FiveAndSixFields()
    {
        var five = ScheduleTiming.Parse(Cron("*/15 9-17 * * MON-FRI"), Now);
        Assert.Equal(Utc(2026, 12, 3, 15, 15), five.Next(Now));
        Assert.Equal(Utc(2026, 12, 4, 9, 0), five.Next(Utc(2026, 12, 3, 17, 45)));
        Assert.Equal(Utc(2026, 12, 7, 9, 0), five.Next(Utc(2026, 12, 4, 17, 45)));
        Assert.False(five.SubMinute);

        var six = ScheduleTiming.Parse(Cron("*/10 * * * * *"), Now);
        Assert.True(six.SubMinute);
        Assert.Equal(Now.AddSeconds(10), six.Next(Now));
        Assert.Equal(Now.AddSeconds(50), six.Latest(Now.AddSeconds(59)));
        Assert.Equal(6, six.Count(Now, Now.AddMinutes(1)));

        var onceAMinute = ScheduleTiming.Parse(Cron("30 * * * * *"), Now);
        Assert.False(onceAMinute.SubMinute);
        Assert.Equal(Now.AddSeconds(30), onceAMinute.Next(Now));
    }

    [Theory]
    [InlineData("* * * *", "has 4 fields")]
    [InlineData("* * * * * * *", "has 7 fields")]
    [InlineData("61 * * * *", "is not a valid cron expression")]
    [InlineData("* * * * FUNDAY", "is not a valid cron expression")]
    [InlineData("0 0 30 2 *", "never fires")]
    [InlineData("", "has 0 fields")]
    public void Cron_RejectsBadExpressionsNamingTheField(string cron, string problem)
    {
        var error = Invalid(Cron(cron));
        Assert.Equal("cron", error.Field);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Mars/Olympus_Mons")]
    [InlineData("../../etc/passwd")]
    [InlineData("/etc/localtime")]
    [InlineData("Europe/Paris\n")]
    [InlineData("")]
    public void TimeZone_UnknownIsRejectedNamingTheField(string zone)
    {
        var error = Invalid(Cron("0 9 * * *", zone));
        Assert.Equal("time_zone", error.Field);
    }

    [Fact]
    public void Spec_NeedsExactlyOneTiming()
    {
        Assert.Equal("at", Invalid(new ScheduleSpec("a", "t")).Field);
        Assert.Contains("only one", Invalid(new ScheduleSpec("a", "t", Every: "1m", Cron: "* * * * *")).Message, StringComparison.Ordinal);
    }

    // DST: 2026-03-29 Berlin 02:00 → 03:00; 2026-10-25 03:00 → 02:00. New York 2026-03-08 02:00 → 03:00; 2026-11-01
    // 02:00 → 01:00. Sydney (southern hemisphere) 2026-04-05 03:00 → 02:00; 2026-10-04 02:00 → 03:00.
    [Theory]
    [InlineData("Europe/Berlin", "30 2 * * *", "2026-03-28T12:00:00Z", "2026-03-29T01:00:00Z")]
    [InlineData("America/New_York", "30 2 * * *", "2026-03-07T12:00:00Z", "2026-03-08T07:00:00Z")]
    [InlineData("Australia/Sydney", "30 2 * * *", "2026-10-03T12:00:00Z", "2026-10-03T16:00:00Z")]
    public void Cron_SpringForwardGapFiresOnceAtTheEndOfTheGap(string zone, string cron, string from, string expected)
    {
        var timing = ScheduleTiming.Parse(Cron(cron, zone), DateTimeOffset.Parse(from, System.Globalization.CultureInfo.InvariantCulture));
        var first = timing.Next(DateTimeOffset.Parse(from, System.Globalization.CultureInfo.InvariantCulture))!.Value;
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), first);

        // The next day is 02:30 local again, 23 hours of wall clock later but one occurrence only.
        var second = timing.Next(first)!.Value;
        Assert.Equal(TimeSpan.FromHours(23.5), second - first);
    }

    [Theory]
    [InlineData("Europe/Berlin", "2026-10-24T12:00:00Z", "2026-10-25T00:30:00Z")]
    [InlineData("America/New_York", "2026-10-31T12:00:00Z", "2026-11-01T05:30:00Z")]
    [InlineData("Australia/Sydney", "2026-04-04T00:00:00Z", "2026-04-04T15:30:00Z")]
    public void Cron_FallBackAmbiguousTimeFiresOnce(string zone, string from, string expected)
    {
        var cron = zone == "America/New_York" ? "30 1 * * *" : "30 2 * * *";
        var start = DateTimeOffset.Parse(from, System.Globalization.CultureInfo.InvariantCulture);
        var timing = ScheduleTiming.Parse(Cron(cron, zone), start);
        var first = timing.Next(start)!.Value;
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), first);
        Assert.Equal(1, timing.Count(first, first.AddHours(20)));
    }

    [Fact]
    public void Cron_StepExpressionFiresInBothHoursOfAFallBack()
    {
        var start = Utc(2026, 10, 24, 23, 0);
        var timing = ScheduleTiming.Parse(Cron("*/30 * * * *", "Europe/Berlin"), start);

        // From 23:00Z to 02:00Z is 3 real hours: 6 slots, although the wall clock only moved from 01:00 to 03:00.
        Assert.Equal(6, timing.Count(start, Utc(2026, 10, 25, 2, 0)));
    }

    [Fact]
    public void Cron_MonthEnds()
    {
        var the31st = ScheduleTiming.Parse(Cron("0 9 31 * *"), Now);
        Assert.Equal(Utc(2026, 12, 31, 9, 0), the31st.Next(Now));
        Assert.Equal(Utc(2027, 1, 31, 9, 0), the31st.Next(Utc(2026, 12, 31, 9, 0)));
        Assert.Equal(Utc(2027, 3, 31, 9, 0), the31st.Next(Utc(2027, 1, 31, 9, 0)));

        var lastDay = ScheduleTiming.Parse(Cron("0 0 L * *"), Now);
        Assert.Equal(Utc(2027, 2, 28, 0, 0), lastDay.Next(Utc(2027, 2, 1, 0, 0)));
        Assert.Equal(Utc(2028, 2, 29, 0, 0), lastDay.Next(Utc(2028, 2, 1, 0, 0)));
        Assert.Equal(Utc(2027, 4, 30, 0, 0), lastDay.Next(Utc(2027, 3, 31, 0, 0)));
    }

    [Fact]
    public void Cron_LeapDays()
    {
        var leap = ScheduleTiming.Parse(Cron("0 12 29 2 *"), Now);
        Assert.Equal(Utc(2028, 2, 29, 12, 0), leap.Next(Now));
        Assert.Equal(Utc(2032, 2, 29, 12, 0), leap.Next(Utc(2028, 2, 29, 12, 0)));
        Assert.Equal(Utc(2028, 2, 29, 12, 0), leap.Latest(Utc(2031, 1, 1, 0, 0)));

        var daily = ScheduleTiming.Parse(new ScheduleSpec("a", "t", Every: "1d", Anchor: Utc(2028, 2, 27, 6, 0)), Utc(2028, 2, 27, 6, 0));
        Assert.Equal(Utc(2028, 2, 29, 6, 0), daily.Next(Utc(2028, 2, 28, 6, 0)));
        Assert.Equal(Utc(2028, 3, 1, 6, 0), daily.Next(Utc(2028, 2, 29, 6, 0)));
    }

    [Theory]
    [InlineData("30s", 30)]
    [InlineData("15m", 900)]
    [InlineData("1h30m", 5400)]
    [InlineData("2d", 172800)]
    [InlineData("1d1h1m1s", 90061)]
    [InlineData(" 10M ", 600)]
    public void DurationText_ParsesAndFormatsBack(string text, int seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), DurationText.TryParse(text, out var problem));
        Assert.Null(problem);
        Assert.Equal(TimeSpan.FromSeconds(seconds), DurationText.TryParse(DurationText.Format(TimeSpan.FromSeconds(seconds)), out _));
    }
}
