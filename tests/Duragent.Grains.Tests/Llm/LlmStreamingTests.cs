using Duragent.FakeLlm;
using Duragent.Llm;

namespace Duragent.Grains.Tests.Llm;

/// <summary>The production clients, both wire formats, against the fake server over real HTTP: the happy paths.</summary>
public sealed class LlmStreamingTests
{
    public static TheoryData<string> Providers => new() { LlmProviders.OpenAi, LlmProviders.Anthropic };

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Stream_YieldsTextDeltasInOrder_ThenCompletion(string provider)
    {
        await using var llm = await FakeLlmServer.StartAsync();
        using var kit = new LlmTestKit();
        llm.Enqueue(FakeResponse.Text("Hello", ", ", "world", "!"));

        var (deltas, completed) = await LlmTestKit.CollectAsync(kit.Client(llm, provider), LlmTestKit.Request());

        Assert.Equal(["Hello", ", ", "world", "!"], deltas);
        Assert.Equal("Hello, world!", completed.Text);
        Assert.Empty(completed.ToolCalls);
        Assert.Equal(LlmFinishReason.Stop, completed.FinishReason);
        Assert.Equal(provider == LlmProviders.Anthropic ? "end_turn" : "stop", completed.RawFinishReason);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Stream_ReassemblesSeveralToolCallsSplitAcrossDeltas(string provider)
    {
        await using var llm = await FakeLlmServer.StartAsync();
        using var kit = new LlmTestKit();
        llm.Enqueue(FakeResponse.Text("Let me check.")
            .WithToolCalls(
                FakeToolCall.Create("bash", "{\"comm", "and\": \"l", "s -la\"}").WithId("call_one"),
                FakeToolCall.Create("web", "{\"url\":", "\"https://example.org\"", "}").WithId("call_two"),
                FakeToolCall.Create("reload_tools").WithId("call_three")));

        var (deltas, completed) = await LlmTestKit.CollectAsync(kit.Client(llm, provider), LlmTestKit.Request());

        Assert.Equal(["Let me check."], deltas);
        Assert.Equal(LlmFinishReason.ToolCalls, completed.FinishReason);
        Assert.Equal(
            [
                new ToolCall("call_one", "bash", "{\"command\": \"ls -la\"}"),
                new ToolCall("call_two", "web", "{\"url\":\"https://example.org\"}"),
                new ToolCall("call_three", "reload_tools", "{}"),
            ],
            completed.ToolCalls);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Stream_ReportsUsage(string provider)
    {
        await using var llm = await FakeLlmServer.StartAsync();
        using var kit = new LlmTestKit();
        llm.Enqueue(FakeResponse.Text("ok").WithUsage(inputTokens: 1234, outputTokens: 56));

        var (_, completed) = await LlmTestKit.CollectAsync(kit.Client(llm, provider), LlmTestKit.Request());

        Assert.Equal(new LlmUsage(1234, 56, 1290), completed.Usage);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Stream_MapsLengthFinishReason(string provider)
    {
        await using var llm = await FakeLlmServer.StartAsync();
        using var kit = new LlmTestKit();
        llm.Enqueue(FakeResponse.Text("cut").WithFinishReason("length"));

        var (_, completed) = await LlmTestKit.CollectAsync(kit.Client(llm, provider), LlmTestKit.Request());

        Assert.Equal(LlmFinishReason.Length, completed.FinishReason);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Stream_ReusesOneClientForConcurrentCalls(string provider)
    {
        await using var llm = await FakeLlmServer.StartAsync();
        using var kit = new LlmTestKit();
        llm.Fallback = request => FakeResponse.Text("echo:", request.Body!["messages"]!.AsArray()[^1]!["content"]!.ToJsonString());
        var client = kit.Client(llm, provider);

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            LlmTestKit.CollectAsync(client, LlmTestKit.Request(ChatMessage.User($"n{i}")))));

        Assert.Equal(20, llm.RequestCount);
        for (var i = 0; i < 20; i++)
        {
            Assert.Contains($"n{i}", results[i].Completed.Text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Anthropic_IgnoresThinkingBlocks()
    {
        await using var llm = await FakeLlmServer.StartAsync();
        using var kit = new LlmTestKit();
        static string Event(string name, string data) => $"event: {name}\ndata: {data}\n\n";
        llm.Enqueue(FakeResponse.RawStream(
            Event("message_start", """{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":7,"cache_read_input_tokens":3,"output_tokens":1}}}"""),
            Event("content_block_start", """{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}}"""),
            Event("content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"let me think"}}"""),
            Event("content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"abc"}}"""),
            Event("content_block_stop", """{"type":"content_block_stop","index":0}"""),
            Event("content_block_start", """{"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}"""),
            Event("content_block_delta", """{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"answer"}}"""),
            Event("content_block_stop", """{"type":"content_block_stop","index":1}"""),
            Event("message_delta", """{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":12}}"""),
            Event("message_stop", """{"type":"message_stop"}""")));

        var (deltas, completed) = await LlmTestKit.CollectAsync(kit.Client(llm, LlmProviders.Anthropic), LlmTestKit.Request());

        Assert.Equal(["answer"], deltas);
        Assert.Equal(new LlmUsage(10, 12, 22), completed.Usage);
    }

    [Fact]
    public async Task CompleteAsync_ReturnsTheCompletion_AndReportsDeltas()
    {
        await using var llm = await FakeLlmServer.StartAsync();
        using var kit = new LlmTestKit();
        llm.Enqueue(FakeResponse.Text("a", "b"));
        var seen = new List<string>();

        var completed = await kit.Client(llm, LlmProviders.Anthropic).CompleteAsync(LlmTestKit.Request(), delta => seen.Add(delta.Text));

        Assert.Equal("ab", completed.Text);
        Assert.Equal(["a", "b"], seen);
    }

    [Fact]
    public async Task OpenAi_ToolCallsWithoutIds_GetGeneratedIds()
    {
        await using var llm = await FakeLlmServer.StartAsync();
        using var kit = new LlmTestKit();
        var chunk = """{"id":"x","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"type":"function","function":{"name":"bash","arguments":"{}"}}]},"finish_reason":null}]}""";
        var finish = """{"id":"x","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}""";
        llm.Enqueue(FakeResponse.RawStream($"data: {chunk}\n\n", $"data: {finish}\n\n", "data: [DONE]\n\n"));

        var client = kit.Factory.Create(new LlmModelSettings(LlmProviders.OpenAiCompatible, "m") { BaseUrl = llm.OpenAiBaseUrl });
        var (_, completed) = await LlmTestKit.CollectAsync(client, LlmTestKit.Request());

        Assert.Equal([new ToolCall("call_0", "bash", "{}")], completed.ToolCalls);
    }
}
