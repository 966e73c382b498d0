namespace Duragent.Schedules;

/// <summary>Exponential backoff with jitter for the attempts of a run, as a pure function.</summary>
public static class RetryBackoff
{
    /// <summary>
    /// The wait after failed attempt <paramref name="attempt"/> (1-based): <paramref name="baseDelay"/> × 2^(attempt−1),
    /// at most <paramref name="maxDelay"/>, then scaled by a factor between 0.75 and 1.25 chosen by <paramref name="jitter"/> (0 to 1),
    /// so schedules that failed together do not retry together.
    /// </summary>
    public static TimeSpan Delay(int attempt, TimeSpan baseDelay, TimeSpan maxDelay, double jitter)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        var exponent = Math.Min(attempt - 1, 30);
        var raw = Math.Min(baseDelay.Ticks * Math.Pow(2, exponent), maxDelay.Ticks);
        var factor = 0.75 + (0.5 * Math.Clamp(jitter, 0, 1));
        return TimeSpan.FromTicks((long)(raw * factor));
    }
}
