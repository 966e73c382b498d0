using System.Globalization;
using System.Text;

namespace Duragent.Schedules;

/// <summary>
/// Durations as people write them in schedules: a sequence of number + unit, largest first, e.g. <c>30s</c>,
/// <c>15m</c>, <c>1h30m</c>, <c>2d</c>. Units: <c>d</c>, <c>h</c>, <c>m</c>, <c>s</c>. Whole numbers only.
/// </summary>
public static class DurationText
{
    private static readonly (char Unit, TimeSpan Size)[] Units =
        [('d', TimeSpan.FromDays(1)), ('h', TimeSpan.FromHours(1)), ('m', TimeSpan.FromMinutes(1)), ('s', TimeSpan.FromSeconds(1))];

    /// <summary>The longest duration accepted: 3,650 days.</summary>
    public static readonly TimeSpan Max = TimeSpan.FromDays(3650);

    /// <summary>Parses <paramref name="text"/>; returns null and a reason when it is not a duration.</summary>
    public static TimeSpan? TryParse(string? text, out string? problem)
    {
        problem = null;
        var s = text?.Trim() ?? string.Empty;
        if (s.Length == 0)
        {
            problem = "the duration is empty";
            return null;
        }

        var total = TimeSpan.Zero;
        var lastUnit = -1;
        var i = 0;
        while (i < s.Length)
        {
            var start = i;
            while (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                i++;
            }

            if (i == start || i >= s.Length)
            {
                problem = $"'{Shown(s)}' is not a duration; write a number and a unit (d, h, m, s), e.g. 30s, 15m or 1h30m";
                return null;
            }

            var unit = Array.FindIndex(Units, u => u.Unit == char.ToLowerInvariant(s[i]));
            if (unit < 0 || unit <= lastUnit)
            {
                problem = unit < 0
                    ? $"'{Shown(s)}' has the unknown unit '{s[i]}'; the units are d, h, m and s"
                    : $"'{Shown(s)}' repeats a unit or lists them out of order; write the largest first, e.g. 1h30m";
                return null;
            }

            if (!long.TryParse(s.AsSpan(start, i - start), NumberStyles.None, CultureInfo.InvariantCulture, out var count)
                || count > Max.Ticks / Units[unit].Size.Ticks)
            {
                problem = $"'{Shown(s)}' is longer than the longest duration accepted ({Format(Max)})";
                return null;
            }

            total += Units[unit].Size * count;
            lastUnit = unit;
            i++;
        }

        if (total > Max)
        {
            problem = $"'{Shown(s)}' is longer than the longest duration accepted ({Format(Max)})";
            return null;
        }

        return total;
    }

    /// <summary>The shortest text that parses back to <paramref name="value"/> (whole seconds; the rest is dropped).</summary>
    public static string Format(TimeSpan value)
    {
        if (value < TimeSpan.FromSeconds(1))
        {
            return "0s";
        }

        var text = new StringBuilder();
        var rest = TimeSpan.FromSeconds(Math.Floor(value.TotalSeconds));
        foreach (var (unit, size) in Units)
        {
            var n = rest.Ticks / size.Ticks;
            if (n > 0)
            {
                text.Append(n.ToString(CultureInfo.InvariantCulture)).Append(unit);
                rest -= size * n;
            }
        }

        return text.ToString();
    }

    private static string Shown(string s) => s.Length > 40 ? s[..40] + "…" : s;
}
