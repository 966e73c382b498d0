using Duragent.FakeLlm;
using Duragent.Sessions;
using Duragent.Sessions.Events;

namespace Duragent.Grains.Tests.Sessions;

/// <summary>
/// A silo stops in the middle of a turn and another starts on the same storage: the turn resumes (continue mode) or
/// parks (pause mode), an interrupted LLM call is issued again, and a non-idempotent tool never runs twice.
/// (The same with real processes killed with SIGKILL is in the integration tests.)
/// </summary>
public sealed class SessionRecoveryTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ContinueMode_InterruptedTool_IsRecordedNotRerun_AndTheTurnCompletes(bool fileStorage)
    {
        var kit = await SessionKit.StartAsync(onDisconnect: "continue", fileStorage: fileStorage);
        var marker = Path.Combine(kit.Root, "runs.txt");
        kit.Llm.Enqueue(
            FakeResponse.ToolCalls(FakeToolCall.Create("bash", $"{{\"command\":\"echo run >> {marker}; sleep 30\"}}")),
            FakeResponse.Text("the tool was interrupted, sorry"));
        var (id, session) = await kit.CreateAsync();
        var accepted = await session.SendMessageAsync(new SendMessage("run it"));
        await SessionKit.WaitForEventAsync(session, 0, e => e.Event is ToolStarted, "the tool to start");
        await WaitForFileAsync(marker);

        await using var restarted = await kit.RestartAsync();
        var result = await SessionKit.WaitTurnAsync(restarted.Session(id), accepted.Seq);

        Assert.Equal("the tool was interrupted, sorry", result.Content);
        var interrupted = (await restarted.EventsAsync<ToolInterrupted>(id)).Single();
        Assert.Contains("not run again", interrupted.Content, StringComparison.Ordinal);
        Assert.Single(await restarted.EventsAsync<ToolStarted>(id));
        Assert.Equal(["run"], await File.ReadAllLinesAsync(marker));
        Assert.Contains("interrupted", restarted.Llm.Requests[1].RawBody, StringComparison.Ordinal);
        await kit.DisposeAsync();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task PauseMode_InterruptedTurn_ParksUntilResumed(bool fileStorage)
    {
        var kit = await SessionKit.StartAsync(onDisconnect: "pause", fileStorage: fileStorage);
        var gate = new FakeGate();
        kit.Llm.Enqueue(FakeResponse.Text("cut", " off").WithGate(gate, 1), FakeResponse.Text("answer after resume"));
        var (id, session) = await kit.CreateAsync();
        var accepted = await session.SendMessageAsync(new SendMessage("question"));
        await gate.WaitReachedAsync(SessionKit.Wait);

        await using var restarted = await kit.RestartAsync();
        var grain = restarted.Session(id);
        await SessionKit.WaitForStatusAsync(grain, SessionStatus.Paused);
        gate.Release();

        Assert.Equal("interrupted", (await restarted.EventsAsync<LlmCallFailed>(id)).Single().Code);
        await grain.ResumeAsync();
        var result = await SessionKit.WaitTurnAsync(grain, accepted.Seq);
        Assert.Equal("answer after resume", result.Content);
        await kit.DisposeAsync();
    }

    [Fact]
    public async Task ContinueMode_InterruptedLlmCall_IsIssuedAgainUnderTheSameAttempt()
    {
        var kit = await SessionKit.StartAsync(onDisconnect: "continue");
        var gate = new FakeGate();
        kit.Llm.Enqueue(FakeResponse.Text("cut", " off").WithGate(gate, 1), FakeResponse.Text("complete answer"));
        var (id, session) = await kit.CreateAsync();
        var accepted = await session.SendMessageAsync(new SendMessage("question"));
        await gate.WaitReachedAsync(SessionKit.Wait);

        await using var restarted = await kit.RestartAsync();
        var result = await SessionKit.WaitTurnAsync(restarted.Session(id), accepted.Seq);
        gate.Release();

        Assert.Equal("complete answer", result.Content);
        Assert.Equal([1, 1], (await restarted.EventsAsync<LlmCallStarted>(id)).Select(e => e.Attempt));
        Assert.Single(await restarted.EventsAsync<UserMessage>(id));
        await kit.DisposeAsync();
    }

    [Fact]
    public async Task IdempotentTool_IsRunAgainAfterARestart()
    {
        var kit = await SessionKit.StartAsync(onDisconnect: "continue", tools: "[{type: cli, name: probe, command: 'bash ./probe.sh', idempotent: true}]");
        var marker = Path.Combine(kit.Root, "probe-runs.txt");
        var script = Path.Combine(kit.AgentDirectory(), "probe.sh");
        await File.WriteAllTextAsync(script, $"echo run >> {marker}\nif [ $(wc -l < {marker}) -lt 2 ]; then sleep 30; fi\necho probed\n");
        kit.Llm.Enqueue(FakeResponse.ToolCalls(FakeToolCall.Create("probe", "{}")), FakeResponse.Text("probe done"));
        var (id, session) = await kit.CreateAsync();
        var accepted = await session.SendMessageAsync(new SendMessage("probe"));
        await WaitForFileAsync(marker);

        await using var restarted = await kit.RestartAsync();
        var result = await SessionKit.WaitTurnAsync(restarted.Session(id), accepted.Seq);

        Assert.Equal("probe done", result.Content);
        Assert.Equal(["run", "run"], await File.ReadAllLinesAsync(marker));
        Assert.Equal("probed\n", (await restarted.EventsAsync<ToolFinished>(id)).Single().Content);
        Assert.Empty(await restarted.EventsAsync<ToolInterrupted>(id));
        await kit.DisposeAsync();
    }

    private static async Task WaitForFileAsync(string path)
    {
        using var watcher = new FileSystemWatcher(Path.GetDirectoryName(path)!, Path.GetFileName(path)) { EnableRaisingEvents = true };
        var created = new TaskCompletionSource();
        watcher.Created += (_, _) => created.TrySetResult();
        watcher.Changed += (_, _) => created.TrySetResult();
        if (!File.Exists(path))
        {
            await created.Task.WaitAsync(SessionKit.Wait);
        }
    }
}
