using System.Globalization;

namespace Duragent.Bench;

/// <summary>Medians, percentiles and the "median (min–max)" figures the process benchmarks print.</summary>
internal static class Stats
{
    public static double Median(IReadOnlyCollection<double> values) => Percentile(values.Order().ToArray(), 50);

    /// <summary>The <paramref name="percent"/>th percentile of <paramref name="sorted"/> (nearest rank).</summary>
    public static double Percentile(double[] sorted, double percent)
    {
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        if (percent >= 100)
        {
            return sorted[^1];
        }

        if (percent == 50 && sorted.Length % 2 == 0)
        {
            return (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
        }

        var rank = (int)Math.Ceiling(percent / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    /// <summary><c>median (min–max)</c> with <paramref name="format"/>.</summary>
    public static string Spread(IReadOnlyCollection<double> values, string format = "0.0")
    {
        if (values.Count == 0)
        {
            return "—";
        }

        return string.Create(CultureInfo.InvariantCulture,
            $"{Median(values).ToString(format, CultureInfo.InvariantCulture)} ({values.Min().ToString(format, CultureInfo.InvariantCulture)}–{values.Max().ToString(format, CultureInfo.InvariantCulture)})");
    }

    public static string F(double value, string format = "0.0") => value.ToString(format, CultureInfo.InvariantCulture);
}
