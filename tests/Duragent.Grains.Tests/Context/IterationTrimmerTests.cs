using Duragent.Context;
using Duragent.Llm;

namespace Duragent.Grains.Tests.Context;

public sealed class IterationTrimmerTests
{
    [Fact]
    public void Trim_DropsOldestIterationsWhole_KeepingThePrefixAndTheNewest()
    {
        var messages = new List<ChatMessage> { ChatMessage.User("task") };
        for (var i = 0; i < 5; i++)
        {
            messages.Add(ChatMessage.Assistant(null, [new ToolCall($"c{i}", "bash", "{}")]));
            messages.Add(ChatMessage.ToolResult($"c{i}", new string('o', 400)));
            messages.Add(ChatMessage.User($"[steering] {i}"));
        }

        var perIteration = TokenEstimator.Estimate(messages.Skip(1).Take(3));
        var limit = TokenEstimator.Estimate(messages[0]) + (2 * perIteration);

        var (kept, dropped) = IterationTrimmer.Trim(messages, limit);

        Assert.Equal(3, dropped);
        Assert.Equal(messages.Take(1).Concat(messages.Skip(10)), kept);
        Assert.True(TokenEstimator.Estimate(kept) <= limit);
    }

    [Fact]
    public void Trim_NeverDropsTheNewestIteration()
    {
        var messages = new List<ChatMessage>
        {
            ChatMessage.Assistant(null, [new ToolCall("c", "bash", "{}")]),
            ChatMessage.ToolResult("c", new string('o', 4_000)),
        };

        var (kept, dropped) = IterationTrimmer.Trim(messages, 10);

        Assert.Equal(0, dropped);
        Assert.Same(messages, kept);
    }
}
