using Duragent.Context;
using Duragent.Llm;

namespace Duragent.Grains.Tests.Context;

public sealed class HistorySelectorTests
{
    private static ChatMessage Text(string label, int tokens = 25) => ChatMessage.User(label + new string('x', Math.Max(0, (tokens * 4) - label.Length)));

    [Fact]
    public void Select_KeepsEverything_WhenItFits()
    {
        var history = new[] { Text("a"), ChatMessage.Assistant("b"), Text("c") };

        var selection = HistorySelector.Select(history, 10_000);

        Assert.Equal(history, selection.Messages);
        Assert.Equal(0, selection.OmittedCount);
        Assert.Equal(TokenEstimator.Estimate(history), selection.Tokens);
    }

    [Fact]
    public void Select_FillsNewestFirst_AndPutsTheNoticeFirst()
    {
        var history = Enumerable.Range(0, 10).Select(i => Text($"m{i}:")).ToList();
        var perMessage = TokenEstimator.Estimate(history[0]);
        var notice = TokenEstimator.Estimate(HistorySelector.TruncationNotice(10));

        var selection = HistorySelector.Select(history, (3 * perMessage) + notice);

        Assert.Equal(7, selection.OmittedCount);
        Assert.Equal("[conversation truncated — 7 older messages omitted]", selection.Messages[0].Content);
        Assert.Equal(ChatRole.System, selection.Messages[0].Role);
        Assert.Equal(history.Skip(7), selection.Messages.Skip(1));
        Assert.True(selection.Tokens <= (3 * perMessage) + notice);
    }

    [Fact]
    public void Select_StopsAtTheFirstGroupThatDoesNotFit_LeavingNoGaps()
    {
        var history = new List<ChatMessage> { Text("small-old", 5), Text("big", 500), Text("new", 5) };

        var selection = HistorySelector.Select(history, 100);

        Assert.Equal(2, selection.OmittedCount);
        Assert.Equal([history[2]], selection.Messages.Skip(1));
    }

    [Fact]
    public void Select_AlwaysKeepsTheNewestGroup_EvenOverBudget()
    {
        var history = new[] { Text("old"), Text("huge", 5_000) };

        var selection = HistorySelector.Select(history, 100);

        Assert.Equal(1, selection.OmittedCount);
        Assert.Equal(history[1], selection.Messages[^1]);
    }

    [Fact]
    public void Select_KeepsToolCallsAndTheirResultsTogether()
    {
        var history = new List<ChatMessage>
        {
            Text("question"),
            ChatMessage.Assistant("calling", [new ToolCall("c1", "bash", "{}"), new ToolCall("c2", "bash", "{}")]),
            ChatMessage.ToolResult("c1", new string('r', 400)),
            ChatMessage.ToolResult("c2", new string('r', 400)),
            Text("follow-up", 10),
        };
        var groupTokens = TokenEstimator.Estimate(history.Skip(1).Take(3));
        var last = TokenEstimator.Estimate(history[4]);
        var notice = TokenEstimator.Estimate(HistorySelector.TruncationNotice(99));

        var justShort = HistorySelector.Select(history, last + groupTokens + notice - 1);
        var enough = HistorySelector.Select(history, last + groupTokens + notice);

        Assert.Equal(4, justShort.OmittedCount);
        Assert.Equal([history[4]], justShort.Messages.Skip(1));
        Assert.Equal(1, enough.OmittedCount);
        Assert.Equal(history.Skip(1), enough.Messages.Skip(1));
    }

    [Fact]
    public void Select_DropsResultsWithoutTheirCall_AndCallsWithoutTheirResults()
    {
        var history = new List<ChatMessage>
        {
            ChatMessage.ToolResult("gone", "orphan result"),
            Text("question"),
            ChatMessage.Assistant("two calls", [new ToolCall("c1", "bash", "{}"), new ToolCall("c2", "bash", "{}")]),
            ChatMessage.ToolResult("c1", "only one answered"),
            ChatMessage.Assistant(string.Empty, [new ToolCall("c3", "bash", "{}")]),
            Text("next"),
        };

        var selection = HistorySelector.Select(history, 10_000);

        Assert.Equal(3, selection.DroppedOrphanCount);
        Assert.Equal(0, selection.OmittedCount);
        Assert.Collection(
            selection.Messages,
            m => Assert.Equal(history[1], m),
            m => Assert.Equal([new ToolCall("c1", "bash", "{}")], m.ToolCalls),
            m => Assert.Equal("c1", m.ToolCallId),
            m => Assert.Equal(history[5], m));
    }

    [Fact]
    public void Select_NeverStartsWithAToolResult()
    {
        var history = new List<ChatMessage>();
        for (var i = 0; i < 20; i++)
        {
            history.Add(ChatMessage.Assistant($"step {i}", [new ToolCall($"c{i}", "bash", "{}")]));
            history.Add(ChatMessage.ToolResult($"c{i}", new string('o', 200)));
        }

        for (var budget = 0; budget < 2_000; budget += 37)
        {
            var selection = HistorySelector.Select(history, budget);
            var body = selection.Messages.Where(m => m.Role != ChatRole.System).ToList();
            Assert.NotEqual(ChatRole.Tool, body[0].Role);
            var calls = body.SelectMany(m => m.ToolCalls).Select(c => c.Id).ToHashSet();
            var results = body.Where(m => m.Role == ChatRole.Tool).Select(m => m.ToolCallId!).ToHashSet();
            Assert.Equal(calls, results);
        }
    }
}
