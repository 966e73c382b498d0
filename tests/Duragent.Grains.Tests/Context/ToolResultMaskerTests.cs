using Duragent.Context;
using Duragent.Llm;

namespace Duragent.Grains.Tests.Context;

public sealed class ToolResultMaskerTests
{
    private static List<ChatMessage> Loop(int iterations)
    {
        var messages = new List<ChatMessage> { ChatMessage.User("do it") };
        for (var i = 0; i < iterations; i++)
        {
            messages.Add(ChatMessage.Assistant(null, [new ToolCall($"c{i}", "bash", "{}")]));
            messages.Add(ChatMessage.ToolResult($"c{i}", $"result {i} " + new string('z', 396)));
        }

        return messages;
    }

    [Fact]
    public void Mask_KeepsFirstAndLast_AndMasksTheMiddle()
    {
        var loop = Loop(10);

        var masked = ToolResultMasker.Mask(loop, keepFirst: 2, keepLast: 5);

        var results = masked.Where(m => m.Role == ChatRole.Tool).ToList();
        Assert.Equal(10, results.Count);
        Assert.StartsWith("result 0 ", results[0].Content, StringComparison.Ordinal);
        Assert.StartsWith("result 1 ", results[1].Content, StringComparison.Ordinal);
        for (var i = 2; i < 5; i++)
        {
            Assert.Equal($"[result masked — ~{TokenEstimator.Estimate(loop[2 + (2 * i)].Content)} tokens removed]", results[i].Content);
            Assert.Equal($"c{i}", results[i].ToolCallId);
        }

        Assert.All(results.Skip(5), r => Assert.StartsWith("result ", r.Content, StringComparison.Ordinal));
        Assert.Equal(loop.Where(m => m.Role != ChatRole.Tool), masked.Where(m => m.Role != ChatRole.Tool));
    }

    [Fact]
    public void Mask_LeavesShortLoopsUnchanged()
    {
        var loop = Loop(7);

        Assert.Same(loop, ToolResultMasker.Mask(loop, 2, 5));
    }

    [Fact]
    public void Mask_IsIdempotent()
    {
        var once = ToolResultMasker.Mask(Loop(12), 2, 5);

        Assert.Equal(once, ToolResultMasker.Mask(once, 2, 5));
    }
}
