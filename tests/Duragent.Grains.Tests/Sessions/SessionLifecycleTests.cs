using Microsoft.Extensions.DependencyInjection;
using Duragent.FakeLlm;
using Duragent.Policy;
using Duragent.Sessions;
using Duragent.Sessions.Events;

namespace Duragent.Grains.Tests.Sessions;

public sealed class SessionLifecycleTests
{
    private const string AskPolicy = "mode: ask\nallow: ['bash:echo safe']\n";

    [Fact]
    public async Task AskPolicy_ParksTheTurnForApproval_ThenRunsTheAllowedCall()
    {
        await using var kit = await SessionKit.StartAsync(policy: AskPolicy);
        kit.Llm.Enqueue(FakeResponse.ToolCalls(FakeToolCall.Create("bash", "{\"command\":\"echo risky\"}")), FakeResponse.Text("done"));
        var (id, session) = await kit.CreateAsync();

        var parked = await kit.AskAsync(session, "do it");

        Assert.Equal(SessionStatus.AwaitingApproval, parked.Status);
        var pending = Assert.IsType<PendingApprovalInfo>(parked.PendingApproval);
        Assert.Equal("echo risky", pending.Command);
        Assert.Equal("bash", pending.Tool);
        Assert.Empty(await kit.EventsAsync<ToolStarted>(id));
        Assert.Equal("ask", (await kit.EventsAsync<ToolCallRequested>(id)).Single().Verdict);

        await session.DecideApprovalAsync(new DecideApproval(pending.CallId, ApprovalChoice.AllowOnce, "ann"));
        var done = await SessionKit.WaitTurnAsync(session, parked.LastSeq);

        Assert.Equal(SessionStatus.Active, done.Status);
        Assert.Equal("done", done.Content);
        Assert.Equal("risky\n", (await kit.EventsAsync<ToolFinished>(id)).Single().Content);
        Assert.Equal("ann", (await kit.EventsAsync<ApprovalDecided>(id)).Single().DecidedBy);
    }

    [Fact]
    public async Task AllowListedCall_RunsWithoutAsking()
    {
        await using var kit = await SessionKit.StartAsync(policy: AskPolicy);
        kit.Llm.Enqueue(FakeResponse.ToolCalls(FakeToolCall.Create("bash", "{\"command\":\"echo safe\"}")), FakeResponse.Text("done"));
        var (id, session) = await kit.CreateAsync();

        var result = await kit.AskAsync(session, "do it");

        Assert.Equal("done", result.Content);
        Assert.Empty(await kit.EventsAsync<ApprovalRequired>(id));
    }

    [Fact]
    public async Task DeniedApproval_TellsTheModel_AndTheLoopGoesOn()
    {
        await using var kit = await SessionKit.StartAsync(policy: AskPolicy);
        kit.Llm.Enqueue(FakeResponse.ToolCalls(FakeToolCall.Create("bash", "{\"command\":\"rm -rf /tmp/x\"}")), FakeResponse.Text("ok, I won't"));
        var (id, session) = await kit.CreateAsync();
        var parked = await kit.AskAsync(session, "clean up");

        await session.DecideApprovalAsync(new DecideApproval(parked.PendingApproval!.CallId, ApprovalChoice.Deny));
        var done = await SessionKit.WaitTurnAsync(session, parked.LastSeq);

        Assert.Equal("ok, I won't", done.Content);
        var denied = (await kit.EventsAsync<ToolFinished>(id)).Single();
        Assert.Equal(ToolOutcome.Denied, denied.Status);
        Assert.Contains("denied", kit.Llm.Requests[1].RawBody, StringComparison.Ordinal);
        Assert.Empty(await kit.EventsAsync<ToolStarted>(id));
    }

    [Fact]
    public async Task AllowAlways_SavesThePatternForNextTime()
    {
        await using var kit = await SessionKit.StartAsync(policy: AskPolicy);
        kit.Llm.Enqueue(
            FakeResponse.ToolCalls(FakeToolCall.Create("bash", "{\"command\":\"echo again\"}")),
            FakeResponse.Text("first"),
            FakeResponse.ToolCalls(FakeToolCall.Create("bash", "{\"command\":\"echo again\"}")),
            FakeResponse.Text("second"));
        var (id, session) = await kit.CreateAsync();
        var parked = await kit.AskAsync(session, "one");

        await session.DecideApprovalAsync(new DecideApproval(parked.PendingApproval!.CallId, ApprovalChoice.AllowAlways));
        await SessionKit.WaitTurnAsync(session, parked.LastSeq);
        var second = await kit.AskAsync(session, "two");

        Assert.Equal("second", second.Content);
        Assert.Single(await kit.EventsAsync<ApprovalRequired>(id));
        var local = PolicyFiles.Load(Path.Combine(kit.AgentDirectory(), PolicyFiles.LocalPolicyFileName));
        Assert.Contains(local.Allow, p => p.Text == "bash:echo again");
    }

    [Fact]
    public async Task CliTool_ArgumentsThatReachTheShell_AreRefusedUnderItsAllowPattern()
    {
        await using var kit = await SessionKit.StartAsync(
            tools: "[{type: cli, name: report, command: 'echo report'}]",
            policy: "mode: restrict\nallow: ['cli:report', 'cli:report --since *']\n");
        var marker = Path.Combine(kit.Root, "escaped.txt");
        kit.Llm.Enqueue(
            FakeResponse.ToolCalls(FakeToolCall.Create("report", $"{{\"args\":\"; touch {marker}\"}}")),
            FakeResponse.Text("refused"),
            FakeResponse.ToolCalls(FakeToolCall.Create("report", "{\"args\":\"--since 1d\"}")),
            FakeResponse.Text("ran"));
        var (id, session) = await kit.CreateAsync();

        Assert.Equal("refused", (await kit.AskAsync(session, "one")).Content);
        Assert.Equal("ran", (await kit.AskAsync(session, "two")).Content);

        Assert.False(File.Exists(marker), "the arguments of a cli call ran a second command");
        var requested = await kit.EventsAsync<ToolCallRequested>(id);
        Assert.Equal(["deny", "allow"], requested.Select(r => r.Verdict));
        Assert.Equal($"report ; touch {marker}", requested[0].Command);
        Assert.Equal("report --since 1d\n", (await kit.EventsAsync<ToolFinished>(id)).Last().Content);
    }

    [Fact]
    public async Task AllowAlways_OfACompoundCommand_AllowsExactlyThatCommand()
    {
        await using var kit = await SessionKit.StartAsync(policy: AskPolicy);
        kit.Llm.Enqueue(
            FakeResponse.ToolCalls(FakeToolCall.Create("bash", "{\"command\":\"echo a*b > /dev/null\"}")),
            FakeResponse.Text("first"));
        var (_, session) = await kit.CreateAsync();
        var parked = await kit.AskAsync(session, "one");

        await session.DecideApprovalAsync(new DecideApproval(parked.PendingApproval!.CallId, ApprovalChoice.AllowAlways));
        await SessionKit.WaitTurnAsync(session, parked.LastSeq);

        var saved = PolicyFiles.Load(Path.Combine(kit.AgentDirectory(), PolicyFiles.LocalPolicyFileName)).Allow;
        Assert.Equal("bash:=echo a*b > /dev/null", Assert.Single(saved).Text);
        var restrict = new ToolPolicy(PolicyMode.Restrict, saved, []);
        Assert.Equal(PolicyDecision.Allow, restrict.Evaluate("bash", "echo a*b > /dev/null").Decision);
        Assert.Equal(PolicyDecision.Deny, restrict.Evaluate("bash", "echo aXb > /dev/null").Decision);
        Assert.Equal(PolicyDecision.Deny, restrict.Evaluate("bash", "echo a*b > /etc/passwd").Decision);
    }

    [Fact]
    public async Task ApprovalForAnotherCall_IsRejected()
    {
        await using var kit = await SessionKit.StartAsync(policy: AskPolicy);
        kit.Llm.Enqueue(FakeResponse.ToolCalls(FakeToolCall.Create("bash", "{\"command\":\"echo x\"}")));
        var (_, session) = await kit.CreateAsync();
        var parked = await kit.AskAsync(session, "go");

        var error = await Assert.ThrowsAsync<SessionStateException>(() => session.DecideApprovalAsync(new DecideApproval("call_other", ApprovalChoice.AllowOnce)));

        Assert.Contains(parked.PendingApproval!.CallId, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NewMessageWhileAwaitingApproval_SupersedesIt()
    {
        await using var kit = await SessionKit.StartAsync(policy: AskPolicy);
        kit.Llm.Enqueue(FakeResponse.ToolCalls(FakeToolCall.Create("bash", "{\"command\":\"echo x\"}")), FakeResponse.Text("fine, something else"));
        var (id, session) = await kit.CreateAsync();
        await kit.AskAsync(session, "go");

        var result = await kit.AskAsync(session, "no, do something else");

        Assert.Equal("fine, something else", result.Content);
        Assert.Equal(ToolOutcome.Skipped, (await kit.EventsAsync<ToolFinished>(id)).Single().Status);
        Assert.Null(result.PendingApproval);
        var last = kit.Llm.Requests[1].RawBody;
        Assert.True(last.IndexOf("Skipped", StringComparison.Ordinal) < last.IndexOf("no, do something else", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Cancel_StopsTheRunningCall_AndKeepsWhatWasSaid()
    {
        await using var kit = await SessionKit.StartAsync();
        var gate = new FakeGate();
        kit.Llm.Enqueue(FakeResponse.Text("Once upon", " a time").WithGate(gate, 1));
        var (id, session) = await kit.CreateAsync();
        var accepted = await session.SendMessageAsync(new SendMessage("tell a story"));
        await gate.WaitReachedAsync(SessionKit.Wait);
        await SessionKit.WaitForEventAsync(session, 0, e => e.Event is AssistantDelta, "the first delta");

        Assert.True(await session.CancelTurnAsync("user pressed Ctrl-C"));

        var result = await SessionKit.WaitTurnAsync(session, accepted.Seq);
        Assert.Equal(SessionStatus.Active, result.Status);
        Assert.Equal(TurnOutcome.Cancelled, (await kit.EventsAsync<TurnCompleted>(id)).Single().Outcome);
        var partial = (await kit.EventsAsync<AssistantMessage>(id)).Single();
        Assert.True(partial.Interrupted);
        Assert.Equal("Once upon", partial.Content);
        Assert.False(await session.CancelTurnAsync());
        gate.Release();
    }

    [Fact]
    public async Task Cancel_KillsARunningTool()
    {
        await using var kit = await SessionKit.StartAsync();
        kit.Llm.Enqueue(FakeResponse.ToolCalls(FakeToolCall.Create("bash", "{\"command\":\"sleep 30\"}")));
        var (id, session) = await kit.CreateAsync();
        await session.SendMessageAsync(new SendMessage("wait"));
        await SessionKit.WaitForEventAsync(session, 0, e => e.Event is ToolStarted, "the tool to start");

        Assert.True(await session.CancelTurnAsync());

        var finished = (await kit.EventsAsync<ToolFinished>(id)).Single();
        Assert.Equal(ToolOutcome.Error, finished.Status);
        Assert.Contains("cancelled", finished.Content, StringComparison.Ordinal);
        Assert.Equal(SessionStatus.Active, (await session.GetInfoAsync())!.Status);
    }

    [Fact]
    public async Task PauseMode_LastClientDetachingMidTurn_PausesTheTurn_ResumeFinishesIt()
    {
        await using var kit = await SessionKit.StartAsync(onDisconnect: "pause");
        var gate = new FakeGate();
        kit.Llm.Enqueue(FakeResponse.Text("partial", " answer").WithGate(gate, 1), FakeResponse.Text("full answer"));
        var (id, session) = await kit.CreateAsync();
        var stream = await SessionKit.AttachAsync(session);
        var accepted = await session.SendMessageAsync(new SendMessage("question"));
        await gate.WaitReachedAsync(SessionKit.Wait);
        await SessionKit.WaitForEventAsync(session, 0, e => e.Event is AssistantDelta, "the first delta");

        await stream.DisposeAsync();
        await SessionKit.WaitForStatusAsync(session, SessionStatus.Paused);
        gate.Release();

        var paused = await session.GetInfoAsync();
        Assert.NotNull(paused!.CurrentTurnId);
        Assert.True((await kit.EventsAsync<AssistantMessage>(id)).Single().Interrupted);

        await session.ResumeAsync();
        var result = await SessionKit.WaitTurnAsync(session, paused.LastSeq);

        Assert.Equal("full answer", result.Content);
        Assert.Equal(2, kit.Llm.Requests.Count);
        Assert.DoesNotContain("partial", kit.Llm.Requests[1].RawBody, StringComparison.Ordinal);
        var history = await session.GetMessagesAsync(new MessageQuery());
        Assert.Equal(["question", "partial", "full answer"], history.Messages.Select(m => m.Content));
        Assert.True(history.Messages[1].Interrupted);
        Assert.Equal(accepted.TurnId, (await kit.EventsAsync<TurnCompleted>(id)).Single().TurnId);
    }

    [Fact]
    public async Task ContinueMode_TurnKeepsRunningAfterTheClientLeaves()
    {
        await using var kit = await SessionKit.StartAsync(onDisconnect: "continue");
        var gate = new FakeGate();
        kit.Llm.Enqueue(FakeResponse.Text("still", " working").WithGate(gate, 1));
        var (_, session) = await kit.CreateAsync();
        var stream = await SessionKit.AttachAsync(session);
        var accepted = await session.SendMessageAsync(new SendMessage("question"));
        await gate.WaitReachedAsync(SessionKit.Wait);

        await stream.DisposeAsync();
        gate.Release();
        var result = await SessionKit.WaitTurnAsync(session, accepted.Seq);

        Assert.Equal(SessionStatus.Active, result.Status);
        Assert.Equal("still working", result.Content);
    }

    [Fact]
    public async Task Stream_ReplaysFromAnySeq_ThenFollowsLive()
    {
        await using var kit = await SessionKit.StartAsync();
        kit.Llm.Enqueue(FakeResponse.Text("one"), FakeResponse.Text("two"));
        var (id, session) = await kit.CreateAsync();
        await kit.AskAsync(session, "first");
        var all = await kit.EventsAsync(id);

        var seen = new List<long>();
        using var cts = new CancellationTokenSource(SessionKit.Wait);
        var reader = Task.Run(async () =>
        {
            await foreach (var e in session.StreamAsync(new StreamOptions(AfterSeq: 3), cts.Token))
            {
                seen.Add(e.Seq);
                if (e.Event is TurnCompleted { } done && seen.Count > all.Count - 3)
                {
                    return;
                }
            }
        });
        await kit.AskAsync(session, "second");
        await reader.WaitAsync(SessionKit.Wait);

        var expected = (await kit.EventsAsync(id)).Where(e => e.Seq > 3).Select(e => e.Seq).TakeWhile(s => s <= seen[^1]);
        Assert.Equal(expected, seen);
    }

    [Fact]
    public async Task Delete_RemovesEverything_AndEndsStreams()
    {
        await using var kit = await SessionKit.StartAsync();
        kit.Llm.Enqueue(FakeResponse.Text("bye"));
        var (id, session) = await kit.CreateAsync();
        await kit.AskAsync(session, "hi");
        var ended = Task.Run(async () =>
        {
            await foreach (var _ in session.StreamAsync(new StreamOptions(AfterSeq: 1000)))
            {
            }
        });

        await session.DeleteAsync();

        await ended.WaitAsync(SessionKit.Wait);
        Assert.Null(await kit.Session(id).GetInfoAsync());
        Assert.Empty(await kit.EventsAsync(id));
        await Assert.ThrowsAsync<SessionNotFoundException>(() => kit.Session(id).SendMessageAsync(new SendMessage("hello?")));
        Assert.DoesNotContain(await kit.Silo.Services.GetRequiredService<ISessionIndex>().ListAsync(), s => s.SessionId == id);
    }

    [Fact]
    public async Task Index_ListsSessionsWithTheirStatus()
    {
        await using var kit = await SessionKit.StartAsync();
        kit.Llm.Enqueue(FakeResponse.Text("a"));
        var (first, s1) = await kit.CreateAsync();
        var (second, _) = await kit.CreateAsync();
        await kit.AskAsync(s1, "hi");

        var list = await kit.Silo.Services.GetRequiredService<ISessionIndex>().ListAsync();

        Assert.Equal([second, first], list.Select(s => s.SessionId));
        Assert.All(list, s => Assert.Equal(SessionStatus.Active, s.Status));
    }

    [Fact]
    public async Task PauseRequestedDuringTheLastTool_DoesNotPauseALaterTurnWhileAClientIsAttached()
    {
        await using var kit = await SessionKit.StartAsync(onDisconnect: "pause", maxToolIterations: 1);
        var marker = Path.Combine(kit.Root, "tool-started");
        kit.Llm.Enqueue(
            FakeResponse.ToolCalls(FakeToolCall.Create("bash", $"{{\"command\":\"touch {marker}; sleep 1\"}}")),
            FakeResponse.Text("answer to the second message"));
        var (_, session) = await kit.CreateAsync();

        // The only attached client leaves while the turn's last allowed tool runs: the pause waits for the tool.
        var first = await SessionKit.AttachAsync(session);
        var accepted = await session.SendMessageAsync(new SendMessage("run it"));
        await SessionKit.WaitForEventAsync(session, 0, e => e.Event is ToolStarted, "the tool to start");
        await first.DisposeAsync();
        var ended = await SessionKit.WaitTurnAsync(session, accepted.Seq);
        Assert.Equal(TurnOutcome.MaxIterations, ended.Outcome);

        // The turn ended without another LLM call; a client is attached again and asks: the turn must run.
        await using var second = await SessionKit.AttachAsync(session);
        var next = await session.SendMessageAsync(new SendMessage("and now?"));
        var result = await SessionKit.WaitTurnAsync(session, next.Seq);

        Assert.Equal(SessionStatus.Active, result.Status);
        Assert.Equal("answer to the second message", result.Content);
    }
}
