using System.Net;
using System.Net.Sockets;
using Duragent.FakeLlm;
using Duragent.Llm;

namespace Duragent.Grains.Tests.Llm;

/// <summary>Retries, timeouts, broken streams and cancellation, against the fake server over real HTTP.</summary>
public sealed class LlmFailureTests
{
    public static TheoryData<string> Providers => new() { LlmProviders.OpenAi, LlmProviders.Anthropic };

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task RateLimited_WithRetryAfter_IsRetried_ThenSucceeds(string provider)
    {
        await using var llm = await FakeLlmServer.StartAsync();
        using var kit = new LlmTestKit();
        llm.Enqueue(FakeResponse.RateLimited(TimeSpan.FromSeconds(1)), FakeResponse.Text("after the wait"));

        var (_, completed) = await LlmTestKit.CollectAsync(kit.Client(llm, provider), LlmTestKit.Request());

        Assert.Equal("after the wait", completed.Text);
        Assert.Equal(2, llm.RequestCount);
        var retry = Assert.Single(kit.Logs.Lines, line => line.Contains("retrying", StringComparison.Ordinal));
        Assert.Contains("attempt 1 of 3", retry, StringComparison.Ordinal);
        Assert.Contains("HTTP 429, retry after 1 s", retry, StringComparison.Ordinal);
        Assert.Contains("retrying in 50 ms", retry, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task ServerError_IsRetried_ThenSucceeds(string provider)
    {
        await using var llm = await FakeLlmServer.StartAsync();
        using var kit = new LlmTestKit();
        llm.Enqueue(FakeResponse.ServerError(500), FakeResponse.ServerError(529), FakeResponse.Text("third time"));

        var (_, completed) = await LlmTestKit.CollectAsync(kit.Client(llm, provider), LlmTestKit.Request());

        Assert.Equal("third time", completed.Text);
        Assert.Equal(3, llm.RequestCount);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task ServerError_GivesUpAfterMaxAttempts_WithTheProviderMessage(string provider)
    {
        await using var llm = await FakeLlmServer.StartAsync();
        using var kit = new LlmTestKit();
        llm.Enqueue(FakeResponse.ServerError(503), FakeResponse.ServerError(503), FakeResponse.Status(503, "still down"), FakeResponse.Text("never"));

        var (error, _) = await LlmTestKit.FailAsync<LlmHttpException>(kit.Client(llm, provider), LlmTestKit.Request());

        Assert.Equal(503, error.StatusCode);
        Assert.Equal("still down", error.ProviderMessage);
        Assert.Equal(3, error.Attempts);
        Assert.True(error.IsTransient);
        Assert.Equal(provider, error.Provider);
        Assert.Contains("HTTP 503", error.Message, StringComparison.Ordinal);
        Assert.Contains("still down", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("(gave up after 3 attempts)", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, llm.RequestCount);
        Assert.Equal(1, llm.PendingCount);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task RateLimited_GivesUpAfterMaxAttempts_AsRateLimited(string provider)
    {
        await using var llm = await FakeLlmServer.StartAsync();
        using var kit = new LlmTestKit(options => options.MaxAttempts = 2);
        llm.Enqueue(FakeResponse.RateLimited(TimeSpan.FromSeconds(7)), FakeResponse.RateLimited(TimeSpan.FromSeconds(7)));

        var (error, _) = await LlmTestKit.FailAsync<LlmRateLimitedException>(kit.Client(llm, provider), LlmTestKit.Request());

        Assert.Equal(429, error.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(7), error.RetryAfter);
        Assert.Equal(2, error.Attempts);
        Assert.Equal(2, llm.RequestCount);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task ClientError_IsNotRetried(string provider)
    {
        await using var llm = await FakeLlmServer.StartAsync();
        using var kit = new LlmTestKit();
        llm.Enqueue(FakeResponse.Status(401, "invalid x-api-key"), FakeResponse.Text("never"));

        var (error, _) = await LlmTestKit.FailAsync<LlmHttpException>(kit.Client(llm, provider), LlmTestKit.Request());

        Assert.Equal(401, error.StatusCode);
        Assert.False(error.IsTransient);
        Assert.Equal(1, error.Attempts);
        Assert.Contains("invalid x-api-key", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, llm.RequestCount);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task MidStreamDisconnect_ThrowsStreamBroken_WithThePartialText(string provider)
    {
        await using var llm = await FakeLlmServer.StartAsync();
        using var kit = new LlmTestKit();
        llm.Enqueue(FakeResponse.Text("one ", "two ", "three ", "four").DisconnectAfter(2), FakeResponse.Text("never"));

        var (error, deltas) = await LlmTestKit.FailAsync<LlmStreamBrokenException>(kit.Client(llm, provider), LlmTestKit.Request());

        Assert.Equal(["one ", "two "], deltas);
        Assert.Equal("one two ", error.PartialText);
        Assert.True(error.IsTransient);
        Assert.Equal(1, llm.RequestCount);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task CleanEndWithoutFinish_ThrowsStreamBroken(string provider)
    {
        await using var llm = await FakeLlmServer.StartAsync();
        using var kit = new LlmTestKit();
        llm.Enqueue(FakeResponse.Text("half", " a", " sentence").EndAfter(1));

        var (error, deltas) = await LlmTestKit.FailAsync<LlmStreamBrokenException>(kit.Client(llm, provider), LlmTestKit.Request());

        Assert.Equal(["half"], deltas);
        Assert.Equal("half", error.PartialText);
        Assert.Contains("without saying it had finished", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task ErrorInsideTheStream_ThrowsTypedHttpError_WithThePartialText(string provider)
    {
        await using var llm = await FakeLlmServer.StartAsync();
        using var kit = new LlmTestKit();
        llm.Enqueue(FakeResponse.Text("par", "tial", "ly").ErrorAfter(2, "overloaded_error", "Overloaded"));

        var (error, deltas) = await LlmTestKit.FailAsync<LlmHttpException>(kit.Client(llm, provider), LlmTestKit.Request());

        Assert.Equal(["par", "tial"], deltas);
        Assert.Equal("partial", error.PartialText);
        Assert.Equal("Overloaded", error.ProviderMessage);
        Assert.True(error.IsTransient);
        Assert.Equal(provider == LlmProviders.Anthropic ? 529 : 500, error.StatusCode);
        Assert.Equal(1, llm.RequestCount);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task StreamThatStopsSending_ThrowsIdleTimeout_WithThePartialText(string provider)
    {
        await using var llm = await FakeLlmServer.StartAsync();
        using var kit = new LlmTestKit();
        llm.Enqueue(FakeResponse.Text("tick ", "tock").HangAfter(1));

        var client = kit.Client(llm, provider, s => s with { IdleTimeout = TimeSpan.FromSeconds(1) });
        var (error, deltas) = await LlmTestKit.FailAsync<LlmTimeoutException>(client, LlmTestKit.Request());

        Assert.Equal(LlmTimeoutKind.Idle, error.Kind);
        Assert.Equal(TimeSpan.FromSeconds(1), error.Timeout);
        Assert.Contains("idle timeout", error.Message, StringComparison.Ordinal);

        // On a starved machine the timeout may beat the first chunk; either way the partial text is what was streamed.
        Assert.True(deltas.Count <= 1);
        Assert.Equal(string.Concat(deltas), error.PartialText);
        Assert.Equal(1, llm.RequestCount);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task IdleTimeout_RestartsWithEveryChunk(string provider)
    {
        await using var llm = await FakeLlmServer.StartAsync();
        using var kit = new LlmTestKit();
        llm.Enqueue(FakeResponse.Text([.. Enumerable.Repeat("z", 25)]).WithChunkDelay(TimeSpan.FromMilliseconds(100)));

        // 25 chunks 100 ms apart take longer than the idle timeout in total, but never come 2 s apart.
        var client = kit.Client(llm, provider, s => s with { IdleTimeout = TimeSpan.FromSeconds(2) });
        var (deltas, completed) = await LlmTestKit.CollectAsync(client, LlmTestKit.Request());

        Assert.Equal(25, deltas.Count);
        Assert.Equal(new string('z', 25), completed.Text);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task ServerThatNeverAnswers_ThrowsIdleTimeout(string provider)
    {
        await using var llm = await FakeLlmServer.StartAsync();
        using var kit = new LlmTestKit();
        llm.Enqueue(FakeResponse.Hang());

        var client = kit.Client(llm, provider, s => s with { IdleTimeout = TimeSpan.FromMilliseconds(300) });
        var (error, _) = await LlmTestKit.FailAsync<LlmTimeoutException>(client, LlmTestKit.Request());

        Assert.Equal(LlmTimeoutKind.Idle, error.Kind);
        Assert.Contains("before the response headers arrived", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, llm.RequestCount);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task SlowStream_ThrowsTotalTimeout(string provider)
    {
        await using var llm = await FakeLlmServer.StartAsync();
        using var kit = new LlmTestKit();
        llm.Enqueue(FakeResponse.Text([.. Enumerable.Repeat("x", 200)]).WithChunkDelay(TimeSpan.FromMilliseconds(20)));

        var client = kit.Client(llm, provider, s => s with { Timeout = TimeSpan.FromSeconds(1), IdleTimeout = TimeSpan.FromSeconds(30) });
        var (error, deltas) = await LlmTestKit.FailAsync<LlmTimeoutException>(client, LlmTestKit.Request());

        Assert.Equal(LlmTimeoutKind.Total, error.Kind);
        Assert.Equal(TimeSpan.FromSeconds(1), error.Timeout);
        Assert.NotEmpty(deltas);
        Assert.True(deltas.Count < 200);
        Assert.Equal(string.Concat(deltas), error.PartialText);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task ClosedPort_ThrowsConnectionError_AfterRetrying(string provider)
    {
        var port = FreePort();
        using var kit = new LlmTestKit();
        var client = kit.Factory.Create(new LlmModelSettings(provider, "m") { BaseUrl = $"http://127.0.0.1:{port}/v1" });

        var (error, _) = await LlmTestKit.FailAsync<LlmConnectionException>(client, LlmTestKit.Request());

        Assert.Equal(3, error.Attempts);
        Assert.True(error.IsTransient);
        Assert.Contains($"127.0.0.1:{port}", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("(gave up after 3 attempts)", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, kit.Logs.Lines.Count(line => line.Contains("retrying", StringComparison.Ordinal)));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task CancellingMidStream_ThrowsOperationCanceled(string provider)
    {
        await using var llm = await FakeLlmServer.StartAsync();
        using var kit = new LlmTestKit();
        var gate = new FakeGate();
        llm.Enqueue(FakeResponse.Text("a", "b", "c").WithGate(gate, afterChunks: 1));
        using var cancel = new CancellationTokenSource();
        var deltas = new List<string>();

        var error = await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var streamEvent in kit.Client(llm, provider).StreamAsync(LlmTestKit.Request(), cancel.Token))
            {
                if (streamEvent is LlmTextDelta delta)
                {
                    deltas.Add(delta.Text);
                    await gate.WaitReachedAsync(TimeSpan.FromSeconds(10));
                    await cancel.CancelAsync();
                }
            }
        });

        Assert.Equal(["a"], deltas);
        Assert.Equal(cancel.Token, error.CancellationToken);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task CancellingWhileWaitingForHeaders_ThrowsOperationCanceled(string provider)
    {
        await using var llm = await FakeLlmServer.StartAsync();
        using var kit = new LlmTestKit();
        llm.Enqueue(FakeResponse.Hang());
        using var cancel = new CancellationTokenSource();
        var call = LlmTestKit.CollectAsync(kit.Client(llm, provider), LlmTestKit.Request(), cancel.Token);

        await llm.WaitForRequestAsync(1, TimeSpan.FromSeconds(10));
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task CancellingDuringRetryDelay_ThrowsOperationCanceled(string provider)
    {
        await using var llm = await FakeLlmServer.StartAsync();
        using var kit = new LlmTestKit(options => options.MaxRetryDelay = TimeSpan.FromMinutes(5));
        llm.Enqueue(FakeResponse.RateLimited(TimeSpan.FromSeconds(120)));
        using var cancel = new CancellationTokenSource();
        var call = LlmTestKit.CollectAsync(kit.Client(llm, provider), LlmTestKit.Request(), cancel.Token);

        await llm.WaitForRequestAsync(1, TimeSpan.FromSeconds(10));
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.Equal(1, llm.RequestCount);
    }

    [Fact]
    public async Task NonStreamingAnswerToAStreamingRequest_ThrowsStreamBroken_SayingWhatCame()
    {
        await using var llm = await FakeLlmServer.StartAsync();
        using var kit = new LlmTestKit();
        llm.Enqueue(FakeResponse.Raw(200, """{"id":"x","object":"chat.completion","choices":[]}"""));

        var (error, _) = await LlmTestKit.FailAsync<LlmStreamBrokenException>(kit.Client(llm, LlmProviders.OpenAi), LlmTestKit.Request());

        Assert.Contains("the response was application/json, not text/event-stream", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenRouterErrorChunkWithNumericCode_MapsToThatStatus()
    {
        await using var llm = await FakeLlmServer.StartAsync();
        using var kit = new LlmTestKit();
        llm.Enqueue(FakeResponse.RawStream(
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"so\"}}]}\n\n",
            "data: {\"error\":{\"code\":429,\"message\":\"Provider returned error\"},\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"error\"}]}\n\n"));

        var (error, _) = await LlmTestKit.FailAsync<LlmRateLimitedException>(kit.Client(llm, LlmProviders.OpenRouter), LlmTestKit.Request());

        Assert.Equal(429, error.StatusCode);
        Assert.Equal("Provider returned error", error.ProviderMessage);
        Assert.Equal("so", error.PartialText);
    }

    [Fact]
    public async Task AnthropicRateLimitEvent_ThrowsRateLimited()
    {
        await using var llm = await FakeLlmServer.StartAsync();
        using var kit = new LlmTestKit();
        llm.Enqueue(FakeResponse.Text("x").ErrorAfter(0, "rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit"));

        var (error, deltas) = await LlmTestKit.FailAsync<LlmRateLimitedException>(kit.Client(llm, LlmProviders.Anthropic), LlmTestKit.Request());

        Assert.Empty(deltas);
        Assert.Equal("rate_limit_error", error.ErrorType);
        Assert.Equal(1, llm.RequestCount);
    }

    [Fact]
    public async Task MalformedChunk_ThrowsStreamBroken()
    {
        await using var llm = await FakeLlmServer.StartAsync();
        using var kit = new LlmTestKit();
        llm.Enqueue(FakeResponse.RawStream("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"ok\"}}]}\n\n", "data: {not json\n\n"));

        var (error, deltas) = await LlmTestKit.FailAsync<LlmStreamBrokenException>(kit.Client(llm, LlmProviders.OpenAi), LlmTestKit.Request());

        Assert.Equal(["ok"], deltas);
        Assert.Contains("malformed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Logs_NeverContainTheApiKey()
    {
        await using var llm = await FakeLlmServer.StartAsync();
        using var kit = new LlmTestKit();
        llm.Enqueue(FakeResponse.ServerError(), FakeResponse.Text("ok"));
        var client = kit.Client(llm, LlmProviders.OpenAi);

        await LlmTestKit.CollectAsync(client, LlmTestKit.Request());

        Assert.NotEmpty(kit.Logs.Lines);
        Assert.DoesNotContain(kit.Logs.Lines, line => line.Contains(LlmTestKit.OpenAiKey, StringComparison.Ordinal));
        Assert.DoesNotContain(LlmTestKit.OpenAiKey, client.ToString(), StringComparison.Ordinal);
        Assert.Contains("***", client.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListenerThatNeverAccepts_ThrowsConnectTimeout_AfterRetrying()
    {
        // A listening socket with a full accept queue drops new SYNs, so connecting hangs until the connect timeout.
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        var fillers = new List<Socket>();
        try
        {
            for (var i = 0; i < 8; i++)
            {
                var filler = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                fillers.Add(filler);
                using var quick = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
                try
                {
                    await filler.ConnectAsync(IPAddress.Loopback, port, quick.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }

            using var kit = new LlmTestKit(options => options.ConnectTimeout = TimeSpan.FromMilliseconds(300));
            var client = kit.Factory.Create(new LlmModelSettings("openai", "m") { BaseUrl = $"http://127.0.0.1:{port}/v1" });

            var (error, _) = await LlmTestKit.FailAsync<LlmTimeoutException>(client, LlmTestKit.Request());

            Assert.Equal(LlmTimeoutKind.Connect, error.Kind);
            Assert.Equal(TimeSpan.FromMilliseconds(300), error.Timeout);
            Assert.Equal(3, error.Attempts);
            Assert.Contains("timed out after 300 ms", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            fillers.ForEach(filler => filler.Dispose());
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
