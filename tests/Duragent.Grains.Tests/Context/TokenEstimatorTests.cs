using Duragent.Context;
using Duragent.Llm;

namespace Duragent.Grains.Tests.Context;

public sealed class TokenEstimatorTests
{
    [Theory]
    [InlineData("", 0)]
    [InlineData("a", 1)]
    [InlineData("abcd", 1)]
    [InlineData("abcde", 2)]
    [InlineData("ééé", 2)]
    [InlineData("😀😀", 2)]
    public void Estimate_Text_IsUtf8BytesOverFourRoundedUp(string text, int expected)
    {
        Assert.Equal(expected, TokenEstimator.Estimate(text));
    }

    [Fact]
    public void Estimate_Message_AddsPerMessageOverhead()
    {
        Assert.Equal(4 + 2, TokenEstimator.Estimate(ChatMessage.User("12345678")));
        Assert.Equal(4, TokenEstimator.Estimate(ChatMessage.Assistant(string.Empty)));
    }

    [Fact]
    public void Estimate_Message_CountsToolCallJsonAndCallIds()
    {
        var call = new ToolCall("call_1", "bash", "{\"command\":\"ls\"}");
        var withCall = ChatMessage.Assistant("ok", [call]);
        var bytes = 2 + "call_1".Length + "bash".Length + "{\"command\":\"ls\"}".Length + TokenEstimator.ToolCallOverheadBytes;

        Assert.Equal(4 + ((bytes + 3) / 4), TokenEstimator.Estimate(withCall));
        Assert.Equal(4 + ((4 + "call_1".Length + 3) / 4), TokenEstimator.Estimate(ChatMessage.ToolResult("call_1", "done")));
    }

    [Fact]
    public void Estimate_Tools_CountsNameDescriptionAndSchema()
    {
        var tool = ToolDefinition.Create("bash", "Runs.", "{\"type\":\"object\"}");
        var bytes = 4 + 5 + "{\"type\":\"object\"}".Length + TokenEstimator.ToolDefinitionOverheadBytes;

        Assert.Equal((bytes + 3) / 4, TokenEstimator.Estimate([tool]));
    }
}
