using System.Text.Json.Nodes;
using Duragent.FakeLlm;
using Duragent.Llm;

namespace Duragent.Grains.Tests.Llm;

/// <summary>What the clients put on the wire: headers and body mapping for each provider.</summary>
public sealed class LlmRequestShapeTests
{
    private static readonly ToolDefinition Bash = ToolDefinition.Create(
        "bash", "Runs a shell command.", """{"type":"object","properties":{"command":{"type":"string"}},"required":["command"]}""");

    private static LlmRequest Conversation() => new(
        [
            ChatMessage.System("You are terse."),
            ChatMessage.User("list files"),
            ChatMessage.Assistant("Sure.", [new ToolCall("call_1", "bash", "{\"command\":\"ls\"}"), new ToolCall("call_2", "bash", "{\"command\":\"pwd\"}")]),
            ChatMessage.ToolResult("call_1", "a.txt"),
            ChatMessage.ToolResult("call_2", "/home", isError: true),
            ChatMessage.System("Be brief."),
            ChatMessage.User("thanks"),
            ChatMessage.User("and now?"),
        ])
    {
        Tools = [Bash],
        Temperature = 0.25,
    };

    [Fact]
    public async Task OpenAi_SendsStreamingChatCompletionWithToolsAndBearerKey()
    {
        await using var llm = await FakeLlmServer.StartAsync();
        using var kit = new LlmTestKit();
        llm.Enqueue(FakeResponse.Text("ok"));

        await LlmTestKit.CollectAsync(kit.Client(llm, LlmProviders.OpenAi, s => s with { MaxOutputTokens = 321 }), Conversation());

        var request = await llm.WaitForRequestAsync(1, TimeSpan.FromSeconds(10));
        Assert.Equal("/v1/chat/completions", request.Path);
        Assert.Equal($"Bearer {LlmTestKit.OpenAiKey}", request.Header("Authorization"));
        Assert.StartsWith("application/json", request.Header("Content-Type"), StringComparison.Ordinal);
        var body = request.Body!;
        Assert.Equal("gpt-test", body["model"]!.GetValue<string>());
        Assert.True(body["stream"]!.GetValue<bool>());
        Assert.True(body["stream_options"]!["include_usage"]!.GetValue<bool>());
        Assert.Equal(0.25, body["temperature"]!.GetValue<double>());
        Assert.Equal(321, body["max_completion_tokens"]!.GetValue<int>());
        Assert.Null(body["max_tokens"]);
        AssertJson(
            """
            [
              {"role":"system","content":"You are terse."},
              {"role":"user","content":"list files"},
              {"role":"assistant","content":"Sure.","tool_calls":[
                {"id":"call_1","type":"function","function":{"name":"bash","arguments":"{\"command\":\"ls\"}"}},
                {"id":"call_2","type":"function","function":{"name":"bash","arguments":"{\"command\":\"pwd\"}"}}]},
              {"role":"tool","tool_call_id":"call_1","content":"a.txt"},
              {"role":"tool","tool_call_id":"call_2","content":"/home"},
              {"role":"system","content":"Be brief."},
              {"role":"user","content":"thanks"},
              {"role":"user","content":"and now?"}
            ]
            """,
            body["messages"]);
        AssertJson(
            """
            [{"type":"function","function":{"name":"bash","description":"Runs a shell command.",
              "parameters":{"type":"object","properties":{"command":{"type":"string"}},"required":["command"]}}}]
            """,
            body["tools"]);
    }

    [Fact]
    public async Task OpenAi_AssistantWithOnlyToolCalls_SendsNullContent_AndOmitsEmptyTools()
    {
        await using var llm = await FakeLlmServer.StartAsync();
        using var kit = new LlmTestKit();
        llm.Enqueue(FakeResponse.Text("ok"));

        await LlmTestKit.CollectAsync(
            kit.Client(llm, LlmProviders.OpenAi),
            LlmTestKit.Request(ChatMessage.User("go"), ChatMessage.Assistant(null, [new ToolCall("c", "bash", "")]), ChatMessage.ToolResult("c", "done")));

        var body = (await llm.WaitForRequestAsync(1, TimeSpan.FromSeconds(10))).Body!;
        var assistant = body["messages"]![1]!;
        Assert.True(assistant.AsObject().ContainsKey("content"));
        Assert.Null(assistant["content"]);
        Assert.Equal("{}", assistant["tool_calls"]![0]!["function"]!["arguments"]!.GetValue<string>());
        Assert.Null(body["tools"]);
        Assert.Null(body["temperature"]);
    }

    [Fact]
    public async Task OpenRouter_SendsMaxTokensAndAttributionHeaders()
    {
        await using var llm = await FakeLlmServer.StartAsync();
        using var kit = new LlmTestKit(options =>
        {
            options.OpenRouterReferer = "https://duragent.example";
            options.OpenRouterTitle = "Duragent";
        });
        llm.Enqueue(FakeResponse.Text("ok"));

        await LlmTestKit.CollectAsync(kit.Client(llm, LlmProviders.OpenRouter, s => s with { MaxOutputTokens = 99 }), LlmTestKit.Request());

        var request = await llm.WaitForRequestAsync(1, TimeSpan.FromSeconds(10));
        Assert.Equal($"Bearer {LlmTestKit.OpenRouterKey}", request.Header("Authorization"));
        Assert.Equal("https://duragent.example", request.Header("HTTP-Referer"));
        Assert.Equal("Duragent", request.Header("X-Title"));
        Assert.Equal(99, request.Body!["max_tokens"]!.GetValue<int>());
        Assert.Null(request.Body!["max_completion_tokens"]);
    }

    [Fact]
    public async Task Ollama_SendsNoAuthorization()
    {
        await using var llm = await FakeLlmServer.StartAsync();
        using var kit = new LlmTestKit(environment: new FakeEnvironment());
        llm.Enqueue(FakeResponse.Text("ok"));

        await LlmTestKit.CollectAsync(kit.Client(llm, LlmProviders.Ollama), LlmTestKit.Request());

        var request = await llm.WaitForRequestAsync(1, TimeSpan.FromSeconds(10));
        Assert.Null(request.Header("Authorization"));
        Assert.Equal("/v1/chat/completions", request.Path);
    }

    [Fact]
    public async Task OpenAiCompatible_SendsKeyFromTheNamedVariable()
    {
        await using var llm = await FakeLlmServer.StartAsync();
        using var kit = new LlmTestKit(environment: new FakeEnvironment().Set("MY_VLLM_KEY", "vllm-secret"));
        llm.Enqueue(FakeResponse.Text("ok"));

        var client = kit.Factory.Create(new LlmModelSettings(LlmProviders.OpenAiCompatible, "local-model")
        {
            BaseUrl = llm.BaseUrl + "/custom/v1/",
            ApiKeyEnv = "MY_VLLM_KEY",
        });
        await LlmTestKit.CollectAsync(client, LlmTestKit.Request());

        var request = await llm.WaitForRequestAsync(1, TimeSpan.FromSeconds(10));
        Assert.Equal("/custom/v1/chat/completions", request.Path);
        Assert.Equal("Bearer vllm-secret", request.Header("Authorization"));
        Assert.Equal("local-model", request.Model);
    }

    [Fact]
    public async Task Anthropic_GathersSystem_MapsToolBlocks_AndMergesSameRoleTurns()
    {
        await using var llm = await FakeLlmServer.StartAsync();
        using var kit = new LlmTestKit();
        llm.Enqueue(FakeResponse.Text("ok"));

        await LlmTestKit.CollectAsync(kit.Client(llm, LlmProviders.Anthropic), Conversation());

        var request = await llm.WaitForRequestAsync(1, TimeSpan.FromSeconds(10));
        Assert.Equal("/v1/messages", request.Path);
        Assert.Equal(LlmTestKit.AnthropicKey, request.Header("x-api-key"));
        Assert.Equal("2023-06-01", request.Header("anthropic-version"));
        Assert.Null(request.Header("Authorization"));
        var body = request.Body!;
        Assert.Equal("claude-test", body["model"]!.GetValue<string>());
        Assert.Equal(4096, body["max_tokens"]!.GetValue<int>());
        Assert.True(body["stream"]!.GetValue<bool>());
        Assert.Equal(0.25, body["temperature"]!.GetValue<double>());
        Assert.Equal("You are terse.\n\nBe brief.", body["system"]!.GetValue<string>());
        AssertJson(
            """
            [
              {"role":"user","content":[{"type":"text","text":"list files"}]},
              {"role":"assistant","content":[
                {"type":"text","text":"Sure."},
                {"type":"tool_use","id":"call_1","name":"bash","input":{"command":"ls"}},
                {"type":"tool_use","id":"call_2","name":"bash","input":{"command":"pwd"}}]},
              {"role":"user","content":[
                {"type":"tool_result","tool_use_id":"call_1","content":"a.txt"},
                {"type":"tool_result","tool_use_id":"call_2","content":"/home","is_error":true},
                {"type":"text","text":"thanks"},
                {"type":"text","text":"and now?"}]}
            ]
            """,
            body["messages"]);
        AssertJson(
            """
            [{"name":"bash","description":"Runs a shell command.",
              "input_schema":{"type":"object","properties":{"command":{"type":"string"}},"required":["command"]}}]
            """,
            body["tools"]);
    }

    [Fact]
    public async Task Anthropic_WrapsToolArgumentsThatAreNotAnObject()
    {
        await using var llm = await FakeLlmServer.StartAsync();
        using var kit = new LlmTestKit();
        llm.Enqueue(FakeResponse.Text("ok"));

        await LlmTestKit.CollectAsync(
            kit.Client(llm, LlmProviders.Anthropic, s => s with { MaxOutputTokens = 1000 }),
            LlmTestKit.Request(
                ChatMessage.User("go"),
                ChatMessage.Assistant(string.Empty, [new ToolCall("t1", "bash", "{\"command\": \"ls"), new ToolCall("t2", "bash", "")]),
                ChatMessage.ToolResult("t1", "x"),
                ChatMessage.ToolResult("t2", "y")));

        var body = (await llm.WaitForRequestAsync(1, TimeSpan.FromSeconds(10))).Body!;
        Assert.Equal(1000, body["max_tokens"]!.GetValue<int>());
        Assert.Null(body["system"]);
        var blocks = body["messages"]![1]!["content"]!.AsArray();
        Assert.Equal(2, blocks.Count);
        Assert.Equal("{\"command\": \"ls", blocks[0]!["input"]!["_raw_arguments"]!.GetValue<string>());
        Assert.Equal("{}", blocks[1]!["input"]!.ToJsonString());
    }

    [Fact]
    public async Task Anthropic_BaseUrlEndingInV1_IsNotDoubled()
    {
        await using var llm = await FakeLlmServer.StartAsync();
        using var kit = new LlmTestKit();
        llm.Enqueue(FakeResponse.Text("ok"));

        await LlmTestKit.CollectAsync(kit.Client(llm, LlmProviders.Anthropic, s => s with { BaseUrl = llm.BaseUrl + "/v1" }), LlmTestKit.Request());

        Assert.Equal("/v1/messages", (await llm.WaitForRequestAsync(1, TimeSpan.FromSeconds(10))).Path);
    }

    [Fact]
    public async Task Request_ModelOverridesTheConfiguredModel()
    {
        await using var llm = await FakeLlmServer.StartAsync();
        using var kit = new LlmTestKit();
        llm.Enqueue(FakeResponse.Text("ok"));

        await LlmTestKit.CollectAsync(kit.Client(llm, LlmProviders.OpenAi), new LlmRequest("gpt-other", [ChatMessage.User("hi")]));

        Assert.Equal("gpt-other", (await llm.WaitForRequestAsync(1, TimeSpan.FromSeconds(10))).Model);
    }

    private static void AssertJson(string expected, JsonNode? actual) =>
        Assert.Equal(JsonNode.Parse(expected)!.ToJsonString(), actual?.ToJsonString());
}
