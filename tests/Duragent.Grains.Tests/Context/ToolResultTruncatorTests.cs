using Duragent.Agents;
using Duragent.Context;

namespace Duragent.Grains.Tests.Context;

public sealed class ToolResultTruncatorTests
{
    private static readonly string Long = string.Concat(Enumerable.Range(0, 1000).Select(i => $"line {i:D4}\n"));

    [Fact]
    public void Truncate_LeavesShortResultsAlone()
    {
        Assert.Same("short", ToolResultTruncator.Truncate("short", 10, ToolResultTruncation.Head));
    }

    [Fact]
    public void Truncate_Head_KeepsTheBeginning_WithANote()
    {
        var result = ToolResultTruncator.Truncate(Long, 100, ToolResultTruncation.Head);

        Assert.StartsWith("line 0000\n", result, StringComparison.Ordinal);
        Assert.DoesNotContain("line 0999", result, StringComparison.Ordinal);
        Assert.EndsWith($"[truncated: kept first ~100 of ~{TokenEstimator.Estimate(Long)} tokens (head)]", result, StringComparison.Ordinal);
        Assert.True(TokenEstimator.Estimate(result) < 130);
    }

    [Fact]
    public void Truncate_Tail_KeepsTheEnd_WithANote()
    {
        var result = ToolResultTruncator.Truncate(Long, 100, ToolResultTruncation.Tail);

        Assert.StartsWith($"[truncated: kept last ~100 of ~{TokenEstimator.Estimate(Long)} tokens (tail)]", result, StringComparison.Ordinal);
        Assert.EndsWith("line 0999\n", result, StringComparison.Ordinal);
        Assert.DoesNotContain("line 0000", result, StringComparison.Ordinal);
    }

    [Fact]
    public void Truncate_Both_KeepsHalfOfEachEnd()
    {
        var result = ToolResultTruncator.Truncate(Long, 100, ToolResultTruncation.Both);

        Assert.StartsWith("line 0000\n", result, StringComparison.Ordinal);
        Assert.EndsWith("line 0999\n", result, StringComparison.Ordinal);
        Assert.DoesNotContain("line 0500", result, StringComparison.Ordinal);
        Assert.Contains("[truncated: kept first ~50 and last ~50 of ~", result, StringComparison.Ordinal);
        Assert.Contains("(both)", result, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ToolResultTruncation.Head)]
    [InlineData(ToolResultTruncation.Tail)]
    [InlineData(ToolResultTruncation.Both)]
    public void Truncate_NeverSplitsACharacter(ToolResultTruncation mode)
    {
        var text = string.Concat(Enumerable.Repeat("é😀中", 500));

        for (var max = 1; max < 40; max++)
        {
            var result = ToolResultTruncator.Truncate(text, max, mode);
            Assert.DoesNotContain('\uFFFD', result);
            Assert.Equal(result.Count(char.IsHighSurrogate), result.Count(char.IsLowSurrogate));
        }
    }
}
