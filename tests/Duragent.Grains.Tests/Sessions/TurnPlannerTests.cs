using Duragent.Sessions;
using Duragent.Sessions.Events;

namespace Duragent.Grains.Tests.Sessions;

public sealed class TurnPlannerTests
{
    private static readonly DateTimeOffset Ts = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);
    private readonly SessionState _state = new() { SessionId = "session_t" };

    private void Record(params SessionEvent[] events)
    {
        foreach (var e in events)
        {
            var seq = _state.LastSeq + 1;
            SessionProjection.Apply(_state, new SessionEventEnvelope(seq, Ts, SessionEventTypes.NameOf(e), e, SessionJson.SerializeEnvelope(seq, Ts, e)));
        }
    }

    private TurnStep Next(int max = 10) => TurnPlanner.Next(_state, max);

    private void StartTurn(string text = "hi")
    {
        Record(new SessionStarted("a", OnDisconnect.Pause), new UserMessage("m1", text), new TurnStarted("t1", 2));
    }

    private void AssistantWithCalls(params (string id, string verdict)[] calls)
    {
        Record(new LlmCallStarted("t1", 1, "openai", "m"));
        Record(new AssistantMessage("m2", "t1", 1, "", calls.Select(c => new ToolCallRecord(c.id, "bash", "{}")).ToList()));
        foreach (var (id, verdict) in calls)
        {
            Record(new ToolCallRequested("t1", id, "bash", "{}", false, verdict, "ls"));
        }
    }

    [Fact]
    public void NoTurn_IsIdle()
    {
        Record(new SessionStarted("a", OnDisconnect.Pause));

        Assert.IsType<TurnStep.Idle>(Next());
    }

    [Fact]
    public void FreshTurn_CallsTheModel_ThenCompletesOnAPlainAnswer()
    {
        StartTurn();
        Assert.IsType<TurnStep.CallLlm>(Next());

        Record(new LlmCallStarted("t1", 1, "openai", "m"));
        Assert.IsType<TurnStep.LlmInterrupted>(Next());

        Record(new AssistantMessage("m2", "t1", 1, "hello"));
        Assert.Equal(TurnOutcome.Completed, Assert.IsType<TurnStep.Complete>(Next()).Outcome);
    }

    [Fact]
    public void ToolCalls_RunInOrder_ThenTheModelIsCalledAgain()
    {
        StartTurn();
        AssistantWithCalls(("c1", "allow"), ("c2", "allow"));

        Assert.Equal("c1", Assert.IsType<TurnStep.RunTool>(Next()).Call.CallId);
        Record(new ToolStarted("t1", "c1", "bash"));
        Assert.Equal("c1", Assert.IsType<TurnStep.ToolInterrupted>(Next()).Call.CallId);
        Record(new ToolFinished("t1", "c1", "bash", ToolOutcome.Ok, "out"));
        Assert.Equal("c2", Assert.IsType<TurnStep.RunTool>(Next()).Call.CallId);
        Record(new ToolStarted("t1", "c2", "bash"), new ToolFinished("t1", "c2", "bash", ToolOutcome.Ok, "out"));

        Assert.IsType<TurnStep.CallLlm>(Next());
    }

    [Fact]
    public void UserMessageBetweenToolCalls_IsDeferred_AndSkipsTheRemainingCalls()
    {
        StartTurn();
        AssistantWithCalls(("c1", "allow"), ("c2", "allow"), ("c3", "ask"));
        Record(new ToolStarted("t1", "c1", "bash"));

        Record(new UserMessage("m3", "stop, do something else"));
        Assert.Single(_state.Deferred);
        Assert.DoesNotContain(_state.Conversation, e => e.MessageId == "m3");

        Record(new ToolFinished("t1", "c1", "bash", ToolOutcome.Ok, "out"));
        var skip = Assert.IsType<TurnStep.SkipRemaining>(Next());
        Assert.Equal(["c2", "c3"], skip.Calls.Select(c => c.CallId));

        Record(new ToolFinished("t1", "c2", "bash", ToolOutcome.Skipped, "Skipped"), new ToolFinished("t1", "c3", "bash", ToolOutcome.Skipped, "Skipped"));
        Assert.Empty(_state.Deferred);
        Assert.Equal(["user", "assistant", "tool", "tool", "tool", "user"], _state.Conversation.Select(e => e.Role));
        Assert.IsType<TurnStep.CallLlm>(Next());
    }

    [Fact]
    public void AskVerdict_ParksForApproval_ThenFollowsTheDecision()
    {
        StartTurn();
        AssistantWithCalls(("c1", "ask"), ("c2", "ask"));

        Assert.Equal("c1", Assert.IsType<TurnStep.AskApproval>(Next()).Call.CallId);
        Record(new ApprovalRequired("t1", "c1", "bash", "ls"), new StatusChanged(SessionStatus.Running, SessionStatus.AwaitingApproval));
        Assert.IsType<TurnStep.Parked>(Next());

        Record(new ApprovalDecided("c1", ApprovalChoice.AllowOnce));
        Assert.Equal("c1", Assert.IsType<TurnStep.RunTool>(Next()).Call.CallId);
        Record(new ToolStarted("t1", "c1", "bash"), new ToolFinished("t1", "c1", "bash", ToolOutcome.Ok, "out"));

        Assert.IsType<TurnStep.AskApproval>(Next());
        Record(new ApprovalRequired("t1", "c2", "bash", "ls"), new ApprovalDecided("c2", ApprovalChoice.Deny));
        Assert.True(Assert.IsType<TurnStep.Deny>(Next()).ByPerson);
    }

    [Fact]
    public void DenyVerdict_IsRecordedWithoutRunning()
    {
        StartTurn();
        AssistantWithCalls(("c1", "deny"));

        Assert.False(Assert.IsType<TurnStep.Deny>(Next()).ByPerson);
    }

    [Fact]
    public void Paused_IsParked()
    {
        StartTurn();
        Record(new StatusChanged(SessionStatus.Running, SessionStatus.Paused));

        Assert.IsType<TurnStep.Parked>(Next());
    }

    [Fact]
    public void IterationLimit_EndsTheTurn()
    {
        StartTurn();
        AssistantWithCalls(("c1", "allow"));
        Record(new ToolStarted("t1", "c1", "bash"), new ToolFinished("t1", "c1", "bash", ToolOutcome.Ok, "out"));

        Assert.Equal(TurnOutcome.MaxIterations, Assert.IsType<TurnStep.Complete>(Next(max: 1)).Outcome);
    }

    [Fact]
    public void InterruptedAssistantMessage_IsHistoryOnly_AndTheCallIsMadeAgain()
    {
        StartTurn();
        Record(new LlmCallStarted("t1", 1, "openai", "m"), new AssistantMessage("m2", "t1", 1, "partial", Interrupted: true));

        Assert.True(_state.Conversation[^1].Interrupted);
        Assert.Equal(0, _state.Turn!.Iteration);
        Assert.IsType<TurnStep.CallLlm>(Next());
    }

    [Fact]
    public void MessageDuringTheFinalAnswer_KeepsTheTurnGoing()
    {
        StartTurn();
        Record(new LlmCallStarted("t1", 1, "openai", "m"), new UserMessage("m3", "also this"), new AssistantMessage("m2", "t1", 1, "answer"));

        Assert.IsType<TurnStep.CallLlm>(Next());
    }

    [Fact]
    public void Apply_FollowsAJumpPastReservedSeqs_AndIgnoresWhatIsAlreadyFolded()
    {
        StartTurn();
        var again = new UserMessage("mX", "dup");
        SessionProjection.Apply(_state, new SessionEventEnvelope(2, Ts, "user_message", again, Array.Empty<byte>()));
        Assert.Equal(3, _state.LastSeq);
        Assert.DoesNotContain(_state.Conversation, e => e.MessageId == "mX");

        // The log vouches for its seqs following each other (or jumping past a reservation); the fold takes them in order.
        SessionProjection.Apply(_state, new SessionEventEnvelope(9, Ts, "user_message", again, Array.Empty<byte>()));
        Assert.Equal(9, _state.LastSeq);
        SessionProjection.Apply(_state, new SessionEventEnvelope(5, Ts, "user_message", new UserMessage("mY", "late"), Array.Empty<byte>()));
        Assert.Equal(9, _state.LastSeq);
        Assert.DoesNotContain(_state.Conversation, e => e.MessageId == "mY");
    }

    [Fact]
    public void AfterTurn_AMessageAfterTheLastCall_StartsTheNextTurn_AndOneItSaw_DoesNot()
    {
        StartTurn();
        Record(new LlmCallStarted("t1", 1, "openai", "m"));
        Assert.Same(TurnFollowUp.None, TurnPlanner.AfterTurn(_state, TurnOutcome.Cancelled));

        Record(new UserMessage("m3", "late"), new AssistantMessage("a1", "t1", 1, "hello"));

        Assert.Equal(5, TurnPlanner.AfterTurn(_state, TurnOutcome.MaxIterations).NextTriggerSeq);
        Assert.Equal(["m3"], TurnPlanner.AfterTurn(_state, TurnOutcome.Failed).Unanswered);
        Assert.Null(TurnPlanner.AfterTurn(_state, TurnOutcome.Cancelled, sessionEnds: true).NextTriggerSeq);
    }

    [Fact]
    public void AfterTurn_ATurnThatMadeNoCall_HasAllItsMessagesUnseen()
    {
        StartTurn();

        Assert.Equal(["m1"], TurnPlanner.AfterTurn(_state, TurnOutcome.Failed).Unanswered);
    }
}
