using System.Globalization;
using System.Text.RegularExpressions;
using Cronos;

namespace Duragent.Schedules;

/// <summary>
/// When a schedule fires, parsed: a one-shot time, an interval from an anchor, or a cron expression in a time zone.
/// Every method is a pure function of its arguments (no clock): <see cref="Next"/> and <see cref="Latest"/> give the
/// slots around a moment, so a restarted silo computes exactly the slots a running one would have.
/// </summary>
/// <remarks>
/// Cron is evaluated by Cronos in the schedule's IANA zone. Across a DST change: a local time that does not exist
/// (spring forward) fires once, at the first instant after the gap; a local time that happens twice (fall back) fires
/// once, at its first occurrence, unless the expression steps through the hour (<c>*/15 * * * *</c>, seconds or minutes
/// ranges), which then fires in both. See docs/schedules.md.
/// </remarks>
public sealed partial class ScheduleTiming
{
    private readonly bool _cronEverySecond;

    private ScheduleTiming(string kind, DateTimeOffset? at, TimeSpan interval, DateTimeOffset anchor, CronExpression? cron, TimeZoneInfo zone, bool cronEverySecond = false)
    {
        _cronEverySecond = cronEverySecond;
        Kind = kind;
        At = at;
        Interval = interval;
        Anchor = anchor;
        Cron = cron;
        Zone = zone;
    }

    /// <summary>The shortest interval: one second.</summary>
    public static readonly TimeSpan MinInterval = TimeSpan.FromSeconds(1);

    /// <summary><c>at</c>, <c>every</c> or <c>cron</c>.</summary>
    public string Kind { get; }

    /// <summary>The one-shot time (kind <c>at</c>).</summary>
    public DateTimeOffset? At { get; }

    /// <summary>The interval (kind <c>every</c>).</summary>
    public TimeSpan Interval { get; }

    /// <summary>The first slot (kind <c>every</c>).</summary>
    public DateTimeOffset Anchor { get; }

    /// <summary>The expression (kind <c>cron</c>).</summary>
    public CronExpression? Cron { get; }

    /// <summary>The zone of the cron expression.</summary>
    public TimeZoneInfo Zone { get; }

    /// <summary>True for a schedule whose slots can come less than a minute apart (sub-minute interval or a seconds field).</summary>
    public bool SubMinute => Kind switch
    {
        "every" => Interval < TimeSpan.FromMinutes(1),
        "cron" => _cronEverySecond,
        _ => false,
    };

    /// <summary>One-shot at <paramref name="at"/>.</summary>
    public static ScheduleTiming OneShot(DateTimeOffset at) => new("at", at, TimeSpan.Zero, at, null, TimeZoneInfo.Utc);

    /// <summary>Every <paramref name="interval"/> from <paramref name="anchor"/>.</summary>
    public static ScheduleTiming Periodic(TimeSpan interval, DateTimeOffset anchor)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(interval, MinInterval);
        return new("every", null, interval, anchor, null, TimeZoneInfo.Utc);
    }

    /// <summary>
    /// Parses the timing of <paramref name="spec"/> (exactly one of <c>at</c>, <c>every</c>, <c>cron</c>), with relative
    /// times and default anchors resolved against <paramref name="now"/>. Throws <see cref="ScheduleInvalidException"/>
    /// naming the field for anything wrong, a past <c>at</c> included.
    /// </summary>
    public static ScheduleTiming Parse(ScheduleSpec spec, DateTimeOffset now, bool allowPastAt = false)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var given = (spec.At is null ? 0 : 1) + (spec.Every is null ? 0 : 1) + (spec.Cron is null ? 0 : 1);
        if (given != 1)
        {
            throw new ScheduleInvalidException(
                given == 0 ? "at" : spec.At is null ? "every" : "at",
                given == 0 ? "a schedule needs one of at, every or cron" : "give only one of at, every and cron");
        }

        var zone = spec.TimeZone is null ? TimeZoneInfo.Utc : FindZone(spec.TimeZone);
        if (spec.At is not null)
        {
            var at = ParseAt(spec.At, now, spec.TimeZone is null ? null : zone);
            if (at < now && !allowPastAt)
            {
                throw new ScheduleInvalidException("at", $"{at.ToUniversalTime():yyyy-MM-dd'T'HH:mm:ss'Z'} is in the past (it is {now.ToUniversalTime():yyyy-MM-dd'T'HH:mm:ss'Z'} now)");
            }

            return OneShot(at);
        }

        if (spec.Every is not null)
        {
            var interval = DurationText.TryParse(spec.Every, out var problem)
                ?? throw new ScheduleInvalidException("every", problem!);
            if (interval < MinInterval)
            {
                throw new ScheduleInvalidException("every", $"the interval '{spec.Every}' is shorter than the shortest allowed ({DurationText.Format(MinInterval)})");
            }

            return Periodic(interval, spec.Anchor ?? now);
        }

        var (cron, secondsField) = ParseCron(spec.Cron!);
        if (cron.GetNextOccurrence(now, zone) is null)
        {
            throw new ScheduleInvalidException("cron", $"'{spec.Cron}' never fires (no date matches it)");
        }

        // A seconds field other than a single second can fire more than once a minute.
        var subMinute = secondsField is not null && !int.TryParse(secondsField, NumberStyles.None, CultureInfo.InvariantCulture, out _);
        return new ScheduleTiming("cron", null, TimeSpan.Zero, now, cron, zone, subMinute);
    }

    /// <summary>The first slot strictly after <paramref name="after"/>, or null when there is none.</summary>
    public DateTimeOffset? Next(DateTimeOffset after)
    {
        switch (Kind)
        {
            case "at":
                return At > after ? At : null;
            case "every":
                if (after < Anchor)
                {
                    return Anchor;
                }

                var k = ((after - Anchor).Ticks / Interval.Ticks) + 1;
                return Anchor + (Interval * k);
            default:
                return Cron!.GetNextOccurrence(after, Zone, inclusive: false)?.ToUniversalTime();
        }
    }

    /// <summary>The last slot at or before <paramref name="upTo"/>, or null when there is none.</summary>
    public DateTimeOffset? Latest(DateTimeOffset upTo)
    {
        switch (Kind)
        {
            case "at":
                return At <= upTo ? At : null;
            case "every":
                if (upTo < Anchor)
                {
                    return null;
                }

                return Anchor + (Interval * ((upTo - Anchor).Ticks / Interval.Ticks));
            default:
                return Cron!.GetPreviousOccurrence(upTo, Zone, inclusive: true)?.ToUniversalTime();
        }
    }

    /// <summary>How many slots lie in [<paramref name="from"/>, <paramref name="to"/>), counting at most <paramref name="cap"/>.</summary>
    public long Count(DateTimeOffset from, DateTimeOffset to, long cap = 100_000)
    {
        if (to <= from)
        {
            return 0;
        }

        switch (Kind)
        {
            case "at":
                return At >= from && At < to ? 1 : 0;
            case "every":
                var first = Next(from - TimeSpan.FromTicks(1));
                if (first is null || first >= to)
                {
                    return 0;
                }

                return Math.Min(cap, ((to - first.Value - TimeSpan.FromTicks(1)).Ticks / Interval.Ticks) + 1);
            default:
                long n = 0;
                foreach (var _ in Cron!.GetOccurrences(from, to, Zone, fromInclusive: true, toInclusive: false))
                {
                    if (++n >= cap)
                    {
                        break;
                    }
                }

                return n;
        }
    }

    /// <summary>The IANA zone <paramref name="id"/>; throws <see cref="ScheduleInvalidException"/> (field <c>time_zone</c>) when unknown.</summary>
    public static TimeZoneInfo FindZone(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (id.Length is 0 or > 64 || !ZoneName().IsMatch(id) || id.Contains("..", StringComparison.Ordinal))
        {
            throw new ScheduleInvalidException("time_zone", $"'{Shown(id)}' is not a time zone name; use an IANA name such as Europe/Paris or UTC");
        }

        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            throw new ScheduleInvalidException("time_zone", $"unknown time zone '{id}'; use an IANA name such as Europe/Paris or UTC");
        }
    }

    private static (CronExpression Cron, string? SecondsField) ParseCron(string text)
    {
        var fields = text.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        var format = fields.Length switch
        {
            5 => CronFormat.Standard,
            6 => CronFormat.IncludeSeconds,
            1 when fields[0].StartsWith('@') => CronFormat.Standard,
            _ => throw new ScheduleInvalidException("cron", $"'{Shown(text)}' has {fields.Length} fields; write 5 (minute hour day-of-month month day-of-week) or 6 (second first)"),
        };
        try
        {
            return (CronExpression.Parse(string.Join(' ', fields), format), fields.Length == 6 ? fields[0] : null);
        }
        catch (CronFormatException ex)
        {
            throw new ScheduleInvalidException("cron", $"'{Shown(text)}' is not a valid cron expression: {ex.Message}");
        }
    }

    private static DateTimeOffset ParseAt(string text, DateTimeOffset now, TimeZoneInfo? zone)
    {
        var s = text.Trim();
        if (s.StartsWith("in ", StringComparison.OrdinalIgnoreCase) || s.Equals("in", StringComparison.OrdinalIgnoreCase))
        {
            var delay = DurationText.TryParse(s[2..], out var problem) ?? throw new ScheduleInvalidException("at", problem!);
            return now + delay;
        }

        var match = Rfc3339().Match(s);
        if (!match.Success)
        {
            throw new ScheduleInvalidException("at", $"'{Shown(s)}' is not a time; write RFC 3339 (2026-12-03T18:00:00Z, 2026-12-03T18:00:00+01:00) or a delay (in 20m)");
        }

        var hasOffset = match.Groups["offset"].Success;
        if (!hasOffset && zone is null)
        {
            throw new ScheduleInvalidException("at", $"'{Shown(s)}' has no UTC offset; add one (Z, +01:00) or set time_zone");
        }

        var local = match.Groups["local"].Value.Replace(' ', 'T').Replace('t', 'T');
        if (!DateTime.TryParseExact(local, ["yyyy-MM-ddTHH:mm", "yyyy-MM-ddTHH:mm:ss", "yyyy-MM-ddTHH:mm:ss.FFFFFFF"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var wall))
        {
            throw new ScheduleInvalidException("at", $"'{Shown(s)}' is not a valid date and time");
        }

        if (hasOffset)
        {
            var offset = match.Groups["offset"].Value;
            if (offset is "Z" or "z")
            {
                return new DateTimeOffset(wall, TimeSpan.Zero);
            }

            var sign = offset[0] == '-' ? -1 : 1;
            var hours = int.Parse(offset.AsSpan(1, 2), CultureInfo.InvariantCulture);
            var minutes = int.Parse(offset.AsSpan(4, 2), CultureInfo.InvariantCulture);
            if (hours > 14 || minutes > 59)
            {
                throw new ScheduleInvalidException("at", $"'{Shown(s)}' has an invalid UTC offset");
            }

            return new DateTimeOffset(wall, sign * new TimeSpan(hours, minutes, 0));
        }

        if (zone!.IsInvalidTime(wall))
        {
            throw new ScheduleInvalidException("at", $"{local} does not exist in {zone.Id} (the clocks skip it for daylight saving time)");
        }

        // An ambiguous local time (fall back) is taken at its first occurrence: the larger offset.
        var offsetInZone = zone.IsAmbiguousTime(wall) ? zone.GetAmbiguousTimeOffsets(wall).Max() : zone.GetUtcOffset(wall);
        return new DateTimeOffset(wall, offsetInZone);
    }

    private static string Shown(string s) => s.Length > 60 ? s[..60] + "…" : s;

    [GeneratedRegex(@"^(?<local>\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?)(?<offset>[Zz]|[+-]\d{2}:\d{2})?$")]
    private static partial Regex Rfc3339();

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*$")]
    private static partial Regex ZoneName();
}
