using Duragent.FakeLlm;
using Duragent.Sessions;
using Duragent.Sessions.Events;

namespace Duragent.Grains.Tests.Sessions;

/// <summary>Every acknowledged message is seen by an LLM call or named in a recorded outcome (issue 7, part 2).</summary>
public sealed class AnsweredMessagesTests
{
    private const string AskPolicy = "mode: ask\nallow: ['bash:echo safe']\n";

    private static readonly DateTimeOffset Ts = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task MaxIterations_AMessageDuringTheLastAllowedCall_StartsTheNextTurn()
    {
        await using var kit = await SessionKit.StartAsync(maxToolIterations: 1);
        var gate = new FakeGate();
        kit.Llm.Enqueue(
            FakeResponse.ToolCalls(FakeToolCall.Create("bash", "{\"command\":\"echo one\"}")).WithGate(gate),
            FakeResponse.Text("answer to the follow-up"));
        var (id, session) = await kit.CreateAsync();

        await session.SendMessageAsync(new SendMessage("run something"));
        await gate.WaitReachedAsync(SessionKit.Wait);
        var followUp = await session.SendMessageAsync(new SendMessage("and what about this?"));
        gate.Release();
        var result = await SessionKit.WaitTurnAsync(session, followUp.Seq);

        Assert.False(followUp.StartedTurn);
        Assert.Equal(SessionStatus.Active, result.Status);
        Assert.Equal("answer to the follow-up", result.Content);
        Assert.Equal(2, kit.Llm.Requests.Count);
        Assert.Contains("and what about this?", kit.Llm.Requests[1].RawBody, StringComparison.Ordinal);
        var events = await kit.EventsAsync(id);
        var completed = events.Select(e => e.Event).OfType<TurnCompleted>().ToList();
        Assert.Equal([TurnOutcome.MaxIterations, TurnOutcome.Completed], completed.Select(c => c.Outcome));
        var next = events.Where(e => e.Event is TurnStarted).Select(e => (TurnStarted)e.Event).Last();
        Assert.Equal(followUp.Seq, next.TriggerSeq);
        Assert.Empty(AnsweredMessagesChecker.Violations(events));
    }

    [Fact]
    public async Task MaxIterations_AMessageSupersedingAnApproval_StartsTheNextTurn()
    {
        await using var kit = await SessionKit.StartAsync(maxToolIterations: 1, policy: AskPolicy);
        kit.Llm.Enqueue(FakeResponse.ToolCalls(FakeToolCall.Create("bash", "{\"command\":\"echo risky\"}")), FakeResponse.Text("fine, no tool"));
        var (id, session) = await kit.CreateAsync();
        var parked = await kit.AskAsync(session, "do it");
        Assert.Equal(SessionStatus.AwaitingApproval, parked.Status);

        var instead = await session.SendMessageAsync(new SendMessage("never mind, just say hi"));
        var result = await SessionKit.WaitTurnAsync(session, instead.Seq);

        Assert.Equal("fine, no tool", result.Content);
        Assert.Contains("never mind, just say hi", kit.Llm.Requests[1].RawBody, StringComparison.Ordinal);
        Assert.Empty(AnsweredMessagesChecker.Violations(await kit.EventsAsync(id)));
    }

    [Fact]
    public async Task Cancel_EndsTheTurn_AndAMessageItsCallsDidNotSee_StartsTheNextTurn()
    {
        await using var kit = await SessionKit.StartAsync();
        var gate = new FakeGate();
        kit.Llm.Enqueue(FakeResponse.Text("a long", " answer").WithGate(gate, 1), FakeResponse.Text("about the second"));
        var (id, session) = await kit.CreateAsync();
        var first = await session.SendMessageAsync(new SendMessage("first"));
        await gate.WaitReachedAsync(SessionKit.Wait);
        var second = await session.SendMessageAsync(new SendMessage("second"));

        Assert.True(await session.CancelTurnAsync());
        var result = await SessionKit.WaitTurnAsync(session, second.Seq);
        gate.Release();

        Assert.Equal("about the second", result.Content);
        Assert.Equal(2, kit.Llm.Requests.Count);
        Assert.Contains("second", kit.Llm.Requests[1].RawBody, StringComparison.Ordinal);
        var events = await kit.EventsAsync(id);
        var completed = events.Select(e => e.Event).OfType<TurnCompleted>().ToList();
        Assert.Equal([TurnOutcome.Cancelled, TurnOutcome.Completed], completed.Select(c => c.Outcome));
        Assert.Equal(first.TurnId, completed[0].TurnId);
        Assert.Equal(2, events.Count(e => e.Event is TurnStarted));
        Assert.Empty(AnsweredMessagesChecker.Violations(events));
    }

    [Fact]
    public async Task FailedTurn_NamesTheMessagesNoCallSaw()
    {
        await using var kit = await SessionKit.StartAsync(sessions: o => o.MaxLlmAttempts = 1, llm: o => o.MaxAttempts = 1);
        var gate = new FakeGate();
        kit.Llm.Enqueue(FakeResponse.Text("par", "tial").WithGate(gate, 1).DisconnectAfter(1));
        var (id, session) = await kit.CreateAsync();
        await session.SendMessageAsync(new SendMessage("first"));
        await gate.WaitReachedAsync(SessionKit.Wait);
        var second = await session.SendMessageAsync(new SendMessage("second"));

        gate.Release();
        var result = await SessionKit.WaitTurnAsync(session, second.Seq);

        Assert.Equal(SessionStatus.Failed, result.Status);
        Assert.Single(kit.Llm.Requests);
        var events = await kit.EventsAsync(id);
        var failed = events.Select(e => e.Event).OfType<TurnCompleted>().Single();
        Assert.Equal(TurnOutcome.Failed, failed.Outcome);
        Assert.Equal([second.MessageId], failed.UnansweredMessageIds);
        Assert.Empty(AnsweredMessagesChecker.Violations(events));
    }

    [Fact]
    public async Task Restart_WithAMessageQueuedDuringTheCall_TheReissuedCallSeesIt()
    {
        var kit = await SessionKit.StartAsync(onDisconnect: "continue", maxToolIterations: 1);
        var gate = new FakeGate();
        kit.Llm.Enqueue(FakeResponse.Text("cut", " off").WithGate(gate, 1), FakeResponse.Text("both answered"));
        var (id, session) = await kit.CreateAsync();
        await session.SendMessageAsync(new SendMessage("question"));
        await gate.WaitReachedAsync(SessionKit.Wait);
        var queued = await session.SendMessageAsync(new SendMessage("queued before the restart"));

        await using var restarted = await kit.RestartAsync();
        var result = await SessionKit.WaitTurnAsync(restarted.Session(id), queued.Seq);
        gate.Release();

        Assert.Equal("both answered", result.Content);
        Assert.Contains("queued before the restart", kit.Llm.Requests[^1].RawBody, StringComparison.Ordinal);
        Assert.Empty(AnsweredMessagesChecker.Violations(await restarted.EventsAsync(id)));
        await kit.DisposeAsync();
    }

    [Fact]
    public void Checker_AcceptsASeenMessage_AndOneNamedInAnOutcome()
    {
        var events = Log(
            new SessionStarted("a", OnDisconnect.Pause),
            new UserMessage("m1", "hi"),
            new TurnStarted("t1", 2),
            new LlmCallStarted("t1", 1, "openai", "m"),
            new UserMessage("m2", "late"),
            new LlmCallFailed("t1", 1, "llm_error", "boom", WillRetry: false),
            new TurnCompleted("t1", TurnOutcome.Failed, Error: "boom", UnansweredMessageIds: ["m2"]));

        Assert.Empty(AnsweredMessagesChecker.Violations(events));
    }

    [Fact]
    public void Checker_RejectsAMessageAfterTheLastCall()
    {
        var events = Log(
            new SessionStarted("a", OnDisconnect.Pause),
            new UserMessage("m1", "hi"),
            new TurnStarted("t1", 2),
            new LlmCallStarted("t1", 1, "openai", "m"),
            new UserMessage("m2", "late"),
            new AssistantMessage("a1", "t1", 1, "hello"),
            new TurnCompleted("t1", TurnOutcome.MaxIterations));

        var violation = Assert.Single(AnsweredMessagesChecker.Violations(events));
        Assert.Contains("m2", violation, StringComparison.Ordinal);
    }

    [Fact]
    public void Checker_RejectsAMessageDeferredBehindToolCalls_WhenACallStartsWithoutIt()
    {
        var events = Log(
            new SessionStarted("a", OnDisconnect.Pause),
            new UserMessage("m1", "hi"),
            new TurnStarted("t1", 2),
            new LlmCallStarted("t1", 1, "openai", "m"),
            new AssistantMessage("a1", "t1", 1, string.Empty, [new ToolCallRecord("c1", "bash", "{}")]),
            new UserMessage("m2", "deferred"),
            new LlmCallStarted("t1", 2, "openai", "m"));

        Assert.Contains("m2", Assert.Single(AnsweredMessagesChecker.Violations(events)), StringComparison.Ordinal);
    }

    private static List<SessionEventEnvelope> Log(params SessionEvent[] events) =>
        events.Select((e, i) => new SessionEventEnvelope(i + 1, Ts, SessionEventTypes.NameOf(e), e, SessionJson.SerializeEnvelope(i + 1, Ts, e))).ToList();
}
