using System.Net.Http.Headers;
using Duragent.Llm;

namespace Duragent.Grains.Tests.Llm;

public sealed class RetryDelayTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Parse_ReadsRetryAfterSeconds()
    {
        Assert.Equal(TimeSpan.FromSeconds(7), RetryDelay.Parse(Headers(("Retry-After", "7")), Now));
    }

    [Fact]
    public void Parse_ReadsRetryAfterHttpDate_RelativeToNow()
    {
        var headers = Headers(("Retry-After", Now.AddSeconds(30).ToString("r")));

        Assert.Equal(TimeSpan.FromSeconds(30), RetryDelay.Parse(headers, Now));
    }

    [Fact]
    public void Parse_PastHttpDate_IsZero()
    {
        Assert.Equal(TimeSpan.Zero, RetryDelay.Parse(Headers(("Retry-After", Now.AddMinutes(-1).ToString("r"))), Now));
    }

    [Fact]
    public void Parse_PrefersRetryAfterMs()
    {
        Assert.Equal(TimeSpan.FromMilliseconds(1500), RetryDelay.Parse(Headers(("Retry-After", "9"), ("retry-after-ms", "1500")), Now));
    }

    [Fact]
    public void Parse_WithoutHeaderOrWithGarbage_IsNull()
    {
        Assert.Null(RetryDelay.Parse(Headers(), Now));
        Assert.Null(RetryDelay.Parse(Headers(("Retry-After", "soon")), Now));
    }

    [Fact]
    public void Compute_UsesRetryAfter_CappedAtTheMaximum()
    {
        Assert.Equal(TimeSpan.FromSeconds(3), RetryDelay.Compute(1, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60), 0.5));
        Assert.Equal(TimeSpan.FromSeconds(60), RetryDelay.Compute(1, TimeSpan.FromHours(1), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60), 0.5));
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 4)]
    [InlineData(4, 8)]
    public void Compute_BacksOffExponentially_WithinTheJitterBand(int attempt, double expectedSeconds)
    {
        var low = RetryDelay.Compute(attempt, null, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5), 0.0);
        var middle = RetryDelay.Compute(attempt, null, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5), 0.5);
        var high = RetryDelay.Compute(attempt, null, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5), 0.999999);

        Assert.Equal(expectedSeconds * 0.8, low.TotalSeconds, 3);
        Assert.Equal(expectedSeconds, middle.TotalSeconds, 3);
        Assert.Equal(expectedSeconds * 1.2, high.TotalSeconds, 3);
    }

    [Fact]
    public void Compute_CapsBackoff_EvenForHugeAttemptNumbers()
    {
        Assert.Equal(TimeSpan.FromSeconds(60), RetryDelay.Compute(500, null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60), 0.5));
    }

    private static HttpResponseHeaders Headers(params (string Name, string Value)[] values)
    {
        var response = new HttpResponseMessage();
        foreach (var (name, value) in values)
        {
            response.Headers.TryAddWithoutValidation(name, value);
        }

        return response.Headers;
    }
}
