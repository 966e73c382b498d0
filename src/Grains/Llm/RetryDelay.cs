using System.Globalization;
using System.Net.Http.Headers;

namespace Duragent.Llm;

/// <summary>Pure retry-delay math: <c>Retry-After</c> parsing and capped exponential backoff with jitter.</summary>
internal static class RetryDelay
{
    /// <summary>The jitter band: a backoff delay is scaled by a factor in [0.8, 1.2).</summary>
    public const double JitterFraction = 0.2;

    /// <summary>
    /// The wait a response asked for: <c>retry-after-ms</c> (OpenAI), else <c>Retry-After</c> as seconds or as an
    /// HTTP date relative to <paramref name="now"/>. Null when neither header is present or parseable.
    /// </summary>
    public static TimeSpan? Parse(HttpResponseHeaders headers, DateTimeOffset now)
    {
        if (headers.TryGetValues("retry-after-ms", out var msValues)
            && double.TryParse(msValues.FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out var ms)
            && ms >= 0)
        {
            return TimeSpan.FromMilliseconds(ms);
        }

        var retryAfter = headers.RetryAfter;
        if (retryAfter?.Delta is { } delta)
        {
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        }

        if (retryAfter?.Date is { } date)
        {
            var wait = date - now;
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }

        return null;
    }

    /// <summary>
    /// The wait before attempt <paramref name="failedAttempt"/> + 1: the provider's <paramref name="retryAfter"/>
    /// when given, else <paramref name="baseDelay"/> × 2^(attempt − 1) scaled by a jitter factor in [0.8, 1.2)
    /// taken from <paramref name="random01"/> ∈ [0, 1); either way at most <paramref name="maxDelay"/>.
    /// </summary>
    public static TimeSpan Compute(int failedAttempt, TimeSpan? retryAfter, TimeSpan baseDelay, TimeSpan maxDelay, double random01)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(failedAttempt, 1);
        if (retryAfter is { } asked)
        {
            return asked > maxDelay ? maxDelay : asked;
        }

        var exponent = Math.Min(failedAttempt - 1, 30);
        var factor = Math.Pow(2, exponent) * (1 - JitterFraction + (2 * JitterFraction * random01));
        var ticks = baseDelay.Ticks * factor;
        return ticks >= maxDelay.Ticks ? maxDelay : TimeSpan.FromTicks((long)ticks);
    }
}
