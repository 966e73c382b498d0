using System.Globalization;
using Duragent.Integration.Tests.Http;
using Duragent.FakeLlm;
using Duragent.Integration.Tests.Cli;
using Duragent.Sessions;
using Duragent.Sessions.Events;
using Xunit.Abstractions;

namespace Duragent.Integration.Tests.Sessions;

/// <summary>
/// The silo is a real <c>duragent serve</c> process, killed with SIGKILL (the whole process tree) in the middle of a
/// turn, again and again, and started again on the same workspace. The turn must resume and complete, no
/// acknowledged user message may be lost or doubled, and an interrupted non-idempotent tool must have run exactly
/// once per call. Rounds per test: <c>DURAGENT_SESSION_CRASH_ROUNDS</c> (default 3).
/// </summary>
[Trait("Category", "Slow")]
public sealed class SessionCrashTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    private static int Rounds =>
        int.TryParse(Environment.GetEnvironmentVariable("DURAGENT_SESSION_CRASH_ROUNDS"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 3;

    [Fact]
    public async Task KilledWhileStreaming_TheTurnResumesAfterEachRestart_AndNoMessageIsLost()
    {
        await using var ws = await CliWorkspace.CreateAsync(onDisconnect: "continue");
        var gates = Enumerable.Range(0, Rounds).Select(_ => new FakeGate()).ToList();
        foreach (var gate in gates)
        {
            ws.Llm.Enqueue(FakeResponse.Text("Thinking", " about", " it", " still").WithGate(gate, 2));
        }

        ws.Llm.Enqueue(FakeResponse.Text("Here", " is", " the", " answer."));
        using var client = new HttpApiClient(ws.BaseUrl, ws.Credentials);
        var serve = await ws.ServeAsync();
        var session = await client.CreateSessionAsync(new CreateSessionRequest("assistant"));
        var acknowledged = new List<string> { (await client.SendMessageAsync(session.SessionId, "question 0")).MessageId };
        var turnRow = ReminderRowFile.PathOf(ws, session.SessionId, SessionGrain.TurnReminder);

        for (var round = 0; round < Rounds; round++)
        {
            await gates[round].WaitReachedAsync(Wait);
            await ServerEvents.WaitForAsync(client, session.SessionId, e => e.Event is AssistantDelta, "a streamed delta of the running call", Wait);
            if (round > 0)
            {
                // A message that arrives during the turn is acknowledged only once it is durable: it must survive the kill.
                acknowledged.Add((await client.SendMessageAsync(session.SessionId, $"question {round}")).MessageId);
            }

            await serve.KillAsync();
            Assert.NotNull(ReminderRowFile.Read(turnRow));
            gates[round].Release();
            serve = await ws.ServeAsync();
        }

        var completed = await ServerEvents.WaitForAsync(client, session.SessionId, e => e.Event is TurnCompleted, "the resumed turn to complete", Wait);
        var events = await ServerEvents.AllAsync(client, session.SessionId);
        output.WriteLine($"{Rounds} kills during streaming; {events.Count} events; {ws.Llm.RequestCount} LLM requests");

        Assert.Equal(TurnOutcome.Completed, ((TurnCompleted)completed.Event).Outcome);
        Assert.Equal(acknowledged, events.Select(e => e.Event).OfType<UserMessage>().Select(m => m.MessageId));
        Assert.Equal(Rounds, events.Count(e => e.Event is LlmCallFailed { Code: "interrupted" }));
        Assert.Single(events, e => e.Event is TurnStarted { Resumed: false });
        var answer = events.Select(e => e.Event).OfType<AssistantMessage>().Last(m => !m.Interrupted);
        Assert.Equal("Here is the answer.", answer.Content);
        Assert.Equal(Rounds + 1, ws.Llm.RequestCount);
        var lastRequest = ws.Llm.Requests[^1].RawBody;
        for (var i = 0; i < Rounds; i++)
        {
            Assert.Contains($"question {i}", lastRequest, StringComparison.Ordinal);
        }

        var info = await client.GetSessionAsync(session.SessionId);
        Assert.Equal(SessionStatus.Active, info.Status);
        await ReminderRowFile.WaitForAsync(turnRow, r => r is null, "the turn reminder to be removed at the end of the turn", Wait);
        await serve.DisposeAsync();
    }

    [Fact]
    public async Task KilledWhileAToolRuns_TheToolIsNeverRunTwice_AndTheTurnCompletes()
    {
        await using var ws = await CliWorkspace.CreateAsync(onDisconnect: "continue", bashTool: true);
        await File.WriteAllTextAsync(Path.Combine(ws.Directory, ".duragent", "agents", "assistant", "policy.yaml"), "mode: dangerous\n");
        var runs = Path.Combine(ws.Directory, "runs.txt");
        for (var round = 0; round < Rounds; round++)
        {
            ws.Llm.Enqueue(FakeResponse.ToolCalls(FakeToolCall.Create("bash", $"{{\"command\":\"echo call-{round} >> {runs}; sleep 60\"}}")));
        }

        ws.Llm.Enqueue(FakeResponse.Text("Gave up on the slow command."));
        using var client = new HttpApiClient(ws.BaseUrl, ws.Credentials);
        var serve = await ws.ServeAsync();
        var session = await client.CreateSessionAsync(new CreateSessionRequest("assistant"));
        await client.SendMessageAsync(session.SessionId, "run the slow command");
        var turnRow = ReminderRowFile.PathOf(ws, session.SessionId, SessionGrain.TurnReminder);

        for (var round = 0; round < Rounds; round++)
        {
            await WaitForLinesAsync(runs, round + 1);
            await serve.KillAsync();
            Assert.NotNull(ReminderRowFile.Read(turnRow));
            serve = await ws.ServeAsync();
        }

        var completed = await ServerEvents.WaitForAsync(client, session.SessionId, e => e.Event is TurnCompleted, "the resumed turn to complete", Wait);
        var events = await ServerEvents.AllAsync(client, session.SessionId);
        var lines = await File.ReadAllLinesAsync(runs);
        output.WriteLine($"{Rounds} kills during tool runs; tool runs recorded: {string.Join(", ", lines)}");

        Assert.Equal(TurnOutcome.Completed, ((TurnCompleted)completed.Event).Outcome);
        Assert.Equal(Enumerable.Range(0, Rounds).Select(i => $"call-{i}"), lines);
        Assert.Equal(Rounds, events.Count(e => e.Event is ToolStarted));
        Assert.Equal(Rounds, events.Count(e => e.Event is ToolInterrupted));
        Assert.DoesNotContain(events, e => e.Event is ToolFinished);
        Assert.Single(events, e => e.Event is UserMessage);
        Assert.Contains("interrupted", ws.Llm.Requests[^1].RawBody, StringComparison.Ordinal);
        await ReminderRowFile.WaitForAsync(turnRow, r => r is null, "the turn reminder to be removed at the end of the turn", Wait);
        await serve.DisposeAsync();
    }

    private static async Task WaitForLinesAsync(string path, int count)
    {
        var deadline = DateTime.UtcNow + Wait;
        using var watcher = new FileSystemWatcher(Path.GetDirectoryName(path)!, Path.GetFileName(path)) { EnableRaisingEvents = true };
        var changed = new SemaphoreSlim(0);
        watcher.Created += (_, _) => changed.Release();
        watcher.Changed += (_, _) => changed.Release();
        while (!File.Exists(path) || (await File.ReadAllLinesAsync(path)).Length < count)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"The tool did not write line {count} of {path} within {Wait.TotalSeconds:0} s.");
            }

            await changed.WaitAsync(left < TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1));
        }
    }
}
