using Duragent.Context;

namespace Duragent.Grains.Tests.Context;

public sealed class ModelContextWindowsTests
{
    [Theory]
    [InlineData("claude-sonnet-4-5", 200_000)]
    [InlineData("anthropic/claude-3.5-haiku", 200_000)]
    [InlineData("gpt-5-mini", 400_000)]
    [InlineData("gpt-4.1-nano", 1_000_000)]
    [InlineData("gpt-4o-mini", 128_000)]
    [InlineData("gpt-4-turbo", 128_000)]
    [InlineData("GPT-4", 128_000)]
    [InlineData("google/gemini-2.5-pro", 1_000_000)]
    [InlineData("x-ai/grok-4", 2_000_000)]
    [InlineData("grok-3-mini", 131_072)]
    [InlineData("deepseek-v3.1", 163_840)]
    [InlineData("deepseek-r1", 128_000)]
    [InlineData("qwen3-coder", 131_072)]
    [InlineData("qwen2.5", 128_000)]
    [InlineData("meta-llama/llama-4-maverick", 327_680)]
    [InlineData("llama3.1:8b", 128_000)]
    [InlineData("mistral-large-latest", 262_144)]
    [InlineData("mistral-small", 128_000)]
    [InlineData("mixtral-8x7b", 128_000)]
    [InlineData("some-new-model", 128_000)]
    [InlineData("", 128_000)]
    public void For_MatchesTheMostSpecificSubstring(string model, int expected)
    {
        Assert.Equal(expected, ModelContextWindows.For(model));
    }

    [Fact]
    public void Resolve_PrefersTheAgentsOwnValue()
    {
        Assert.Equal(32_000, ModelContextWindows.Resolve(32_000, "claude-opus-4"));
        Assert.Equal(200_000, ModelContextWindows.Resolve(null, "claude-opus-4"));
        Assert.Equal(200_000, ModelContextWindows.Resolve(0, "claude-opus-4"));
    }
}
