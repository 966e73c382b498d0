using System.Text;
using System.Text.Json.Nodes;
using Duragent.FakeLlm;
using Duragent.Llm;

namespace Duragent.Grains.Tests.Llm;

/// <summary>The fake server itself: wire formats, scripting, recording, gates, and load.</summary>
public sealed class FakeLlmServerTests
{
    [Fact]
    public async Task OpenAiStream_HasTheChunkShapeOfTheRealApi()
    {
        await using var llm = await FakeLlmServer.StartAsync();
        llm.Enqueue(FakeResponse.Text("Hi").WithToolCall("bash", "{\"a\":", "1}").WithUsage(10, 3));

        var body = await PostAsync(llm.OpenAiBaseUrl + "/chat/completions", """{"model":"gpt-x","stream":true,"stream_options":{"include_usage":true},"messages":[]}""");

        var frames = body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.All(frames, frame => Assert.StartsWith("data: ", frame, StringComparison.Ordinal));
        Assert.Equal("data: [DONE]", frames[^1]);
        var chunks = frames[..^1].Select(frame => JsonNode.Parse(frame["data: ".Length..])!).ToList();
        Assert.All(chunks, chunk =>
        {
            Assert.Equal("chat.completion.chunk", chunk["object"]!.GetValue<string>());
            Assert.StartsWith("chatcmpl-", chunk["id"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.Equal("gpt-x", chunk["model"]!.GetValue<string>());
            Assert.True(chunk.AsObject().ContainsKey("usage"));
        });
        Assert.Single(chunks.Select(chunk => chunk["id"]!.GetValue<string>()).Distinct());
        Assert.Equal("assistant", chunks[0]["choices"]![0]!["delta"]!["role"]!.GetValue<string>());
        Assert.Equal("Hi", chunks[1]["choices"]![0]!["delta"]!["content"]!.GetValue<string>());
        var start = chunks[2]["choices"]![0]!["delta"]!["tool_calls"]![0]!;
        Assert.Equal(0, start["index"]!.GetValue<int>());
        Assert.StartsWith("call_", start["id"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("bash", start["function"]!["name"]!.GetValue<string>());
        Assert.Equal("{\"a\":", chunks[3]["choices"]![0]!["delta"]!["tool_calls"]![0]!["function"]!["arguments"]!.GetValue<string>());
        Assert.Equal("tool_calls", chunks[5]["choices"]![0]!["finish_reason"]!.GetValue<string>());
        Assert.Empty(chunks[6]["choices"]!.AsArray());
        Assert.Equal(13, chunks[6]["usage"]!["total_tokens"]!.GetValue<int>());
    }

    [Fact]
    public async Task OpenAiStream_WithoutIncludeUsage_SendsNoUsageChunk()
    {
        await using var llm = await FakeLlmServer.StartAsync();
        llm.Enqueue(FakeResponse.Text("Hi"));

        var body = await PostAsync(llm.OpenAiBaseUrl + "/chat/completions", """{"model":"m","stream":true,"messages":[]}""");

        Assert.DoesNotContain("\"usage\"", body, StringComparison.Ordinal);
        Assert.EndsWith("data: [DONE]\n\n", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnthropicStream_HasTheEventSequenceOfTheRealApi()
    {
        await using var llm = await FakeLlmServer.StartAsync();
        llm.Enqueue(FakeResponse.Text("Hel", "lo").WithToolCalls(FakeToolCall.Create("get_weather", "{\"city\":", "\"Oslo\"}").WithId("toolu_x")).WithUsage(25, 15));

        var body = await PostAsync(llm.AnthropicBaseUrl + "/v1/messages", """{"model":"claude-x","stream":true,"max_tokens":10,"messages":[]}""");

        var frames = body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        var events = frames.Select(frame =>
        {
            var lines = frame.Split('\n');
            Assert.Equal(2, lines.Length);
            Assert.StartsWith("event: ", lines[0], StringComparison.Ordinal);
            Assert.StartsWith("data: ", lines[1], StringComparison.Ordinal);
            var data = JsonNode.Parse(lines[1]["data: ".Length..])!;
            Assert.Equal(lines[0]["event: ".Length..], data["type"]!.GetValue<string>());
            return data;
        }).ToList();
        Assert.Equal(
            [
                "message_start", "content_block_start", "ping", "content_block_delta", "content_block_delta", "content_block_stop",
                "content_block_start", "content_block_delta", "content_block_delta", "content_block_delta", "content_block_stop",
                "message_delta", "message_stop",
            ],
            events.Select(e => e["type"]!.GetValue<string>()));
        Assert.StartsWith("msg_01", events[0]["message"]!["id"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(25, events[0]["message"]!["usage"]!["input_tokens"]!.GetValue<int>());
        Assert.Equal("text_delta", events[3]["delta"]!["type"]!.GetValue<string>());
        Assert.Equal(1, events[6]["index"]!.GetValue<int>());
        Assert.Equal("toolu_x", events[6]["content_block"]!["id"]!.GetValue<string>());
        Assert.Equal(string.Empty, events[7]["delta"]!["partial_json"]!.GetValue<string>());
        Assert.Equal("input_json_delta", events[8]["delta"]!["type"]!.GetValue<string>());
        Assert.Equal("tool_use", events[11]["delta"]!["stop_reason"]!.GetValue<string>());
        Assert.Equal(15, events[11]["usage"]!["output_tokens"]!.GetValue<int>());
    }

    [Fact]
    public async Task NonStreamingRequests_GetWholeJsonMessages()
    {
        await using var llm = await FakeLlmServer.StartAsync();
        llm.Enqueue(FakeResponse.Text("Hello").WithToolCall("bash", "{\"x\":", "1}"), FakeResponse.Text("Hello").WithToolCall("bash", "{\"x\":", "1}"));

        var openAi = JsonNode.Parse(await PostAsync(llm.OpenAiBaseUrl + "/chat/completions", """{"model":"m","messages":[]}"""))!;
        var anthropic = JsonNode.Parse(await PostAsync(llm.AnthropicBaseUrl + "/v1/messages", """{"model":"m","max_tokens":5,"messages":[]}"""))!;

        Assert.Equal("chat.completion", openAi["object"]!.GetValue<string>());
        Assert.Equal("Hello", openAi["choices"]![0]!["message"]!["content"]!.GetValue<string>());
        Assert.Equal("{\"x\":1}", openAi["choices"]![0]!["message"]!["tool_calls"]![0]!["function"]!["arguments"]!.GetValue<string>());
        Assert.Equal("tool_calls", openAi["choices"]![0]!["finish_reason"]!.GetValue<string>());
        Assert.Equal("message", anthropic["type"]!.GetValue<string>());
        Assert.Equal("Hello", anthropic["content"]![0]!["text"]!.GetValue<string>());
        Assert.Equal(1, anthropic["content"]![1]!["input"]!["x"]!.GetValue<int>());
        Assert.Equal("tool_use", anthropic["stop_reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task UnscriptedRequest_Gets500_AndIsCounted()
    {
        await using var llm = await FakeLlmServer.StartAsync();
        using var http = new HttpClient();

        using var response = await http.PostAsync(llm.OpenAiBaseUrl + "/chat/completions", new StringContent("{}"));

        Assert.Equal(500, (int)response.StatusCode);
        Assert.Contains("no scripted response", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(1, llm.UnscriptedCount);
    }

    [Fact]
    public async Task Fallback_AnswersOnceTheQueueIsEmpty_AndSeesTheRequest()
    {
        await using var llm = await FakeLlmServer.StartAsync();
        using var kit = new LlmTestKit();
        llm.Enqueue(FakeResponse.Text("scripted"));
        llm.Fallback = request => FakeResponse.Text($"fallback for {request.Model} #{request.Number}");
        var client = kit.Client(llm, LlmProviders.OpenAi);

        var first = await LlmTestKit.CollectAsync(client, LlmTestKit.Request());
        var second = await LlmTestKit.CollectAsync(client, LlmTestKit.Request());

        Assert.Equal("scripted", first.Completed.Text);
        Assert.Equal("fallback for gpt-test #2", second.Completed.Text);
    }

    [Fact]
    public async Task WaitForRequest_TimesOutWithAMessageSayingWhatWasAwaited()
    {
        await using var llm = await FakeLlmServer.StartAsync();

        var error = await Assert.ThrowsAsync<TimeoutException>(() => llm.WaitForRequestAsync(2, TimeSpan.FromMilliseconds(50)));

        Assert.Equal("FakeLlm: waited 0.05 s for request #2; 0 arrived", error.Message);
    }

    [Fact]
    public async Task Gate_HoldsTheStreamUntilReleased()
    {
        await using var llm = await FakeLlmServer.StartAsync();
        using var kit = new LlmTestKit();
        var gate = new FakeGate();
        llm.Enqueue(FakeResponse.Text("before", "after").WithGate(gate, afterChunks: 1));
        var call = LlmTestKit.CollectAsync(kit.Client(llm, LlmProviders.Anthropic), LlmTestKit.Request());

        await gate.WaitReachedAsync(TimeSpan.FromSeconds(10));
        Assert.False(call.IsCompleted);
        Assert.Equal(1, llm.ActiveCount);
        gate.Release();

        var (deltas, completed) = await call;
        Assert.Equal(["before", "after"], deltas);
        Assert.Equal("beforeafter", completed.Text);
    }

    [Fact]
    public async Task AbortActive_BreaksStreamsHeldAtAGate()
    {
        await using var llm = await FakeLlmServer.StartAsync();
        using var kit = new LlmTestKit();
        var gate = new FakeGate();
        llm.Enqueue(FakeResponse.Text("a", "b").WithGate(gate, afterChunks: 1));
        var deltas = new List<string>();
        var call = Task.Run(async () =>
        {
            await foreach (var streamEvent in kit.Client(llm, LlmProviders.OpenAi).StreamAsync(LlmTestKit.Request()))
            {
                if (streamEvent is LlmTextDelta delta)
                {
                    deltas.Add(delta.Text);
                }
            }
        });

        await gate.WaitReachedAsync(TimeSpan.FromSeconds(10));
        llm.AbortActive();

        var error = await Assert.ThrowsAsync<LlmStreamBrokenException>(() => call);
        Assert.Equal("a", error.PartialText);
    }

    [Fact]
    public async Task Requests_AreRecordedInArrivalOrder()
    {
        await using var llm = await FakeLlmServer.StartAsync();
        using var kit = new LlmTestKit();
        llm.Fallback = _ => FakeResponse.Text("ok");

        await LlmTestKit.CollectAsync(kit.Client(llm, LlmProviders.OpenAi), LlmTestKit.Request(ChatMessage.User("first")));
        await LlmTestKit.CollectAsync(kit.Client(llm, LlmProviders.Anthropic), LlmTestKit.Request(ChatMessage.User("second")));

        Assert.Collection(
            llm.Requests,
            r =>
            {
                Assert.Equal(1, r.Number);
                Assert.Equal(FakeWireFormat.OpenAi, r.Format);
                Assert.True(r.IsStreaming);
                Assert.Contains("first", r.RawBody, StringComparison.Ordinal);
            },
            r =>
            {
                Assert.Equal(2, r.Number);
                Assert.Equal(FakeWireFormat.Anthropic, r.Format);
                Assert.Contains("second", r.RawBody, StringComparison.Ordinal);
            });
    }

    private static async Task<string> PostAsync(string url, string json)
    {
        using var http = new HttpClient();
        using var response = await http.PostAsync(url, new StringContent(json, Encoding.UTF8, "application/json"));
        Assert.True(response.IsSuccessStatusCode, $"POST {url} answered {(int)response.StatusCode}");
        return await response.Content.ReadAsStringAsync();
    }
}

/// <summary>Runs alone, after the parallel tests: 1,000 streams starve the thread pool enough to upset timing tests.</summary>
[CollectionDefinition(nameof(LoadTests), DisableParallelization = true)]
public sealed class LoadTests
{
}

/// <summary>The fake server under the load benchmarks put on it.</summary>
[Collection(nameof(LoadTests))]
public sealed class FakeLlmServerLoadTests
{
    [Fact]
    [Trait("Category", "Slow")]
    public async Task FakeServer_Serves1000ConcurrentStreams()
    {
        await using var llm = await FakeLlmServer.StartAsync(recordRequests: false);
        using var kit = new LlmTestKit();
        var gate = new FakeGate();
        llm.Fallback = _ => FakeResponse.Text("a", "b", "c").WithGate(gate, afterChunks: 1);
        var openAi = kit.Client(llm, LlmProviders.OpenAi);
        var anthropic = kit.Client(llm, LlmProviders.Anthropic);

        var calls = Enumerable.Range(0, 1000)
            .Select(i => Task.Run(() => LlmTestKit.CollectAsync(i % 2 == 0 ? openAi : anthropic, LlmTestKit.Request())))
            .ToList();
        // All 1,000 are open at once: each stream waits at the gate until every one has arrived.
        await gate.WaitReachedAsync(1000, TimeSpan.FromSeconds(60));
        Assert.Equal(1000, llm.ActiveCount);
        gate.Release();
        var results = await Task.WhenAll(calls);

        Assert.All(results, result => Assert.Equal("abc", result.Completed.Text));
        Assert.Equal(1000, llm.RequestCount);
    }
}
