using Duragent.FakeLlm;
using Duragent.Sessions;
using Duragent.Sessions.Events;

namespace Duragent.Grains.Tests.Sessions;

public sealed class SessionGrainTests
{
    [Theory]
    [InlineData("openai")]
    [InlineData("anthropic")]
    public async Task Turn_StreamsTheAnswer_AndRecordsEveryStep(string format)
    {
        await using var kit = await SessionKit.StartAsync(format);
        kit.Llm.Enqueue(FakeResponse.Text("Hello", ", ", "world").WithUsage(12, 3));
        var (id, session) = await kit.CreateAsync();

        var result = await kit.AskAsync(session, "Hi there");

        Assert.Equal(SessionStatus.Active, result.Status);
        Assert.Equal(TurnOutcome.Completed, result.Outcome);
        Assert.Equal("Hello, world", result.Content);
        var types = (await kit.EventsAsync(id)).Select(e => e.Type).Where(t => t != SessionEventTypes.AssistantDelta).ToList();
        Assert.Equal(
            ["session_started", "user_message", "turn_started", "status_changed", "llm_call_started", "assistant_message", "turn_completed", "status_changed"],
            types);
        var deltas = await kit.EventsAsync<AssistantDelta>(id);
        Assert.Equal("Hello, world", string.Concat(deltas.Select(d => d.Text)));
        var message = Assert.Single(await kit.EventsAsync<AssistantMessage>(id));
        Assert.Equal(new TokenUsage(12, 3), message.Usage);

        var request = Assert.Single(kit.Llm.Requests);
        Assert.Equal("test-model", request.Model);
        Assert.Contains("You are assistant, a test assistant.", request.RawBody, StringComparison.Ordinal);
        Assert.Contains("Hi there", request.RawBody, StringComparison.Ordinal);

        var page = await session.GetMessagesAsync(new MessageQuery());
        Assert.Equal(["user", "assistant"], page.Messages.Select(m => m.Role));
        Assert.Equal(["Hi there", "Hello, world"], page.Messages.Select(m => m.Content));
    }

    [Theory]
    [InlineData("openai")]
    [InlineData("anthropic")]
    public async Task Turn_RunsToolCalls_AndFeedsResultsBack(string format)
    {
        await using var kit = await SessionKit.StartAsync(format);
        kit.Llm.Enqueue(
            FakeResponse.ToolCalls(
                FakeToolCall.Create("bash", "{\"comm", "and\": \"echo fi", "rst\"}"),
                FakeToolCall.Create("bash", "{\"command\": \"echo second\"}")),
            FakeResponse.ToolCalls(FakeToolCall.Create("bash", "{\"command\": \"echo third >&2; exit 4\"}")),
            FakeResponse.Text("All done."));
        var (id, session) = await kit.CreateAsync();

        var result = await kit.AskAsync(session, "run things");

        Assert.Equal("All done.", result.Content);
        Assert.Equal(3, kit.Llm.Requests.Count);
        var finished = await kit.EventsAsync<ToolFinished>(id);
        Assert.Equal(["first\n", "second\n", "\n--- stderr ---\nthird\n"], finished.Select(f => f.Content));
        Assert.Equal([ToolOutcome.Ok, ToolOutcome.Ok, ToolOutcome.Error], finished.Select(f => f.Status));
        Assert.Equal(3, (await kit.EventsAsync<ToolStarted>(id)).Count);

        var second = kit.Llm.Requests[1].RawBody;
        Assert.Contains("first\\n", second, StringComparison.Ordinal);
        Assert.Contains("second\\n", second, StringComparison.Ordinal);
        Assert.Contains(format == "anthropic" ? "tool_result" : "\"tool_call_id\"", second, StringComparison.Ordinal);
        Assert.Contains("third", kit.Llm.Requests[2].RawBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MessageDuringATurn_IsStoredAtOnce_AndSteersTheLoop()
    {
        await using var kit = await SessionKit.StartAsync();
        var gate = new FakeGate();
        kit.Llm.Enqueue(FakeResponse.Text("First ", "answer").WithGate(gate, 1), FakeResponse.Text("Second answer"));
        var (id, session) = await kit.CreateAsync();

        var first = await session.SendMessageAsync(new SendMessage("first question"));
        await gate.WaitReachedAsync(SessionKit.Wait);
        var second = await session.SendMessageAsync(new SendMessage("and a follow-up"));

        Assert.False(second.StartedTurn);
        Assert.Equal(first.TurnId, second.TurnId);
        Assert.Equal(2, (await kit.EventsAsync<UserMessage>(id)).Count);
        gate.Release();
        var result = await SessionKit.WaitTurnAsync(session, second.Seq);

        Assert.Equal("Second answer", result.Content);
        Assert.Equal(2, kit.Llm.Requests.Count);
        var followUp = kit.Llm.Requests[1].RawBody;
        Assert.True(followUp.IndexOf("First answer", StringComparison.Ordinal) < followUp.IndexOf("and a follow-up", StringComparison.Ordinal),
            "the follow-up must come after the answer it did not see");
        Assert.Single(await kit.EventsAsync<TurnStarted>(id));
    }

    [Fact]
    public async Task RateLimitAndServerError_AreRetried_WithinOneCall()
    {
        await using var kit = await SessionKit.StartAsync();
        kit.Llm.Enqueue(FakeResponse.RateLimited(TimeSpan.Zero), FakeResponse.ServerError(502), FakeResponse.Text("ok"));
        var (id, session) = await kit.CreateAsync();

        var result = await kit.AskAsync(session, "hi");

        Assert.Equal("ok", result.Content);
        Assert.Equal(3, kit.Llm.Requests.Count);
        Assert.Single(await kit.EventsAsync<LlmCallStarted>(id));
    }

    [Fact]
    public async Task BrokenStream_IsIssuedAgain()
    {
        await using var kit = await SessionKit.StartAsync();
        kit.Llm.Enqueue(FakeResponse.Text("par", "tial", "ly").DisconnectAfter(2), FakeResponse.Text("complete"));
        var (id, session) = await kit.CreateAsync();

        var result = await kit.AskAsync(session, "hi");

        Assert.Equal("complete", result.Content);
        var failed = Assert.Single(await kit.EventsAsync<LlmCallFailed>(id));
        Assert.True(failed.WillRetry);
        Assert.Equal([1, 2], (await kit.EventsAsync<LlmCallStarted>(id)).Select(e => e.Attempt));
    }

    [Fact]
    public async Task PersistentFailure_FailsTheTurn_AndTheNextMessageStartsAFreshOne()
    {
        await using var kit = await SessionKit.StartAsync(sessions: o => o.MaxLlmAttempts = 2, llm: o => o.MaxAttempts = 1);
        kit.Llm.Enqueue(FakeResponse.ServerError(500), FakeResponse.ServerError(500), FakeResponse.Text("recovered"));
        var (id, session) = await kit.CreateAsync();

        var failed = await kit.AskAsync(session, "hi");

        Assert.Equal(SessionStatus.Failed, failed.Status);
        Assert.NotNull(failed.Error);
        Assert.Equal(TurnOutcome.Failed, (await kit.EventsAsync<TurnCompleted>(id)).Single().Outcome);
        Assert.Single(await kit.EventsAsync<SessionError>(id));

        var next = await kit.AskAsync(session, "again");
        Assert.Equal(SessionStatus.Active, next.Status);
        Assert.Equal("recovered", next.Content);
    }

    [Fact]
    public async Task HangingModel_TimesOut_AndTheTurnFails()
    {
        await using var kit = await SessionKit.StartAsync(sessions: o => o.MaxLlmAttempts = 1, llm: o => o.IdleTimeout = TimeSpan.FromMilliseconds(500));
        kit.Llm.Enqueue(FakeResponse.Text("a", "b").HangAfter(1));
        var (id, session) = await kit.CreateAsync();

        var result = await kit.AskAsync(session, "hi");

        Assert.Equal(SessionStatus.Failed, result.Status);
        Assert.Equal("llm_timeout", (await kit.EventsAsync<LlmCallFailed>(id)).Single().Code);
    }

    [Fact]
    public async Task MissingApiKey_FailsTheTurn_NamingTheVariable()
    {
        await using var kit = await SessionKit.StartAsync(environment: new Llm.FakeEnvironment());
        var (_, session) = await kit.CreateAsync();

        var result = await kit.AskAsync(session, "hi");

        Assert.Equal(SessionStatus.Failed, result.Status);
        Assert.Contains("OPENAI_API_KEY", result.Error, StringComparison.Ordinal);
        Assert.Empty(kit.Llm.Requests);
    }

    [Fact]
    public async Task UnknownAgent_CannotCreateASession()
    {
        await using var kit = await SessionKit.StartAsync();

        var error = await Assert.ThrowsAsync<AgentNotFoundException>(() => kit.Session("session_x").CreateAsync(new CreateSession("nobody")));

        Assert.Contains("nobody", error.Message, StringComparison.Ordinal);
        Assert.Null(await kit.Session("session_x").GetInfoAsync());
    }

    [Fact]
    public async Task ClientMessageId_MakesARetriedMessageIdempotent()
    {
        await using var kit = await SessionKit.StartAsync();
        kit.Llm.Enqueue(FakeResponse.Text("once"));
        var (id, session) = await kit.CreateAsync();

        var first = await session.SendMessageAsync(new SendMessage("hi", ClientMessageId: "abc"));
        var again = await session.SendMessageAsync(new SendMessage("hi", ClientMessageId: "abc"));

        Assert.True(again.Duplicate);
        Assert.Equal(first.Seq, again.Seq);
        Assert.Single(await kit.EventsAsync<UserMessage>(id));
        await SessionKit.WaitTurnAsync(session, first.Seq);
    }
}
