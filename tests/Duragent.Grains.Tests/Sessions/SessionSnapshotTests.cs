using Duragent.FakeLlm;
using Duragent.Sessions;
using Duragent.Storage;

namespace Duragent.Grains.Tests.Sessions;

/// <summary>
/// The snapshot holds what resuming needs, not the conversation: its size does not grow with the history, and a
/// restarted session rebuilds its history from the log (or, with <c>compaction: discard</c>, from the snapshot).
/// </summary>
public sealed class SessionSnapshotTests
{
    private static readonly string Filler = new('x', 1024);

    [Fact]
    public async Task Snapshot_DoesNotGrowWithTheConversation()
    {
        await using var kit = await SessionKit.StartAsync(fileStorage: true);
        kit.Llm.Fallback = _ => FakeResponse.Text("reply " + Filler);
        var (id, session) = await kit.CreateAsync();
        var snapshot = Path.Combine(kit.Root, ".duragent", "sessions", id, "state.yaml");

        for (var i = 0; i < 5; i++)
        {
            await kit.AskAsync(session, $"message {i} {Filler}");
        }

        var early = new FileInfo(snapshot).Length;
        for (var i = 5; i < 40; i++)
        {
            await kit.AskAsync(session, $"message {i} {Filler}");
        }

        var late = new FileInfo(snapshot).Length;
        Assert.True(late - early < 256, $"state.yaml grew from {early} to {late} bytes over 35 messages of 1 KiB");
        Assert.DoesNotContain(Filler, await File.ReadAllTextAsync(snapshot), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Restart_RebuildsTheHistoryFromTheLog()
    {
        var kit = await SessionKit.StartAsync(fileStorage: true);
        kit.Llm.Fallback = request => FakeResponse.Text($"answer {kit.Llm.RequestCount}");
        var (id, session) = await kit.CreateAsync();
        await session.SendMessageAsync(new SendMessage("first question", ClientMessageId: "client-1"));
        await kit.AskAsync(session, "second question");
        var before = await session.GetMessagesAsync(new MessageQuery(IncludeTools: true));

        await using var restarted = await kit.RestartAsync();
        var grain = restarted.Session(id);
        var info = await grain.GetInfoAsync();
        var after = await grain.GetMessagesAsync(new MessageQuery(IncludeTools: true));
        var duplicate = await grain.SendMessageAsync(new SendMessage("first question", ClientMessageId: "client-1"));
        await restarted.AskAsync(grain, "third question");

        Assert.Equal(4, info!.MessageCount);
        Assert.Equal(before.Messages.Select(m => (m.Seq, m.Role, m.Content)), after.Messages.Select(m => (m.Seq, m.Role, m.Content)));
        Assert.True(duplicate.Duplicate);
        var request = restarted.Llm.Requests[^1].RawBody;
        Assert.Contains("first question", request, StringComparison.Ordinal);
        Assert.Contains("second question", request, StringComparison.Ordinal);
        Assert.Contains("third question", request, StringComparison.Ordinal);
        await kit.DisposeAsync();
    }

    [Fact]
    public async Task Restart_ReadersDuringTheFirstTurn_AllSeeOneConsistentHistory()
    {
        var kit = await SessionKit.StartAsync(fileStorage: true);
        kit.Llm.Fallback = _ => FakeResponse.Text("answer");
        var (id, session) = await kit.CreateAsync();
        for (var i = 0; i < 20; i++)
        {
            await kit.AskAsync(session, $"question {i}");
        }

        await using var restarted = await kit.RestartAsync();
        var grain = restarted.Session(id);

        // The history is rebuilt while a turn records its events and other clients page the messages at once.
        var readers = Enumerable.Range(0, 8).Select(_ => grain.GetMessagesAsync(new MessageQuery(Limit: 500))).ToList();
        var sent = grain.SendMessageAsync(new SendMessage("question 20", ClientMessageId: "after-restart"));
        var pages = await Task.WhenAll(readers);
        await SessionKit.WaitTurnAsync(grain, (await sent).Seq);
        var final = (await grain.GetMessagesAsync(new MessageQuery(Limit: 500))).Messages;

        Assert.Equal(42, final.Count);
        Assert.Equal(final.Count, final.Select(m => m.Seq).Distinct().Count());
        foreach (var page in pages)
        {
            // Each page is a prefix of the final history: nothing missing, doubled or out of order.
            Assert.Equal(final.Take(page.Messages.Count).Select(m => (m.Seq, m.Content)), page.Messages.Select(m => (m.Seq, m.Content)));
            Assert.True(page.Messages.Count >= 40, $"a page after the restart had {page.Messages.Count} messages");
        }

        await kit.DisposeAsync();
    }

    [Fact]
    public async Task Restart_MidToolCall_KeepsAMessageDeferredUntilTheResultsAreIn()
    {
        var kit = await SessionKit.StartAsync(onDisconnect: "continue", fileStorage: true);
        kit.Llm.Enqueue(
            FakeResponse.ToolCalls(FakeToolCall.Create("bash", "{\"command\":\"sleep 30\"}")),
            FakeResponse.Text("done"));
        var (id, session) = await kit.CreateAsync();
        var accepted = await session.SendMessageAsync(new SendMessage("run it"));
        await SessionKit.WaitForEventAsync(session, 0, e => e.Event is Duragent.Sessions.Events.ToolStarted, "the tool to start");
        await session.SendMessageAsync(new SendMessage("while it runs"));

        await using var restarted = await kit.RestartAsync();
        var result = await SessionKit.WaitTurnAsync(restarted.Session(id), accepted.Seq);

        Assert.Equal("done", result.Content);
        var request = restarted.Llm.Requests[^1].RawBody;
        var toolResult = request.IndexOf("not run again", StringComparison.Ordinal);
        var steering = request.IndexOf("while it runs", StringComparison.Ordinal);
        Assert.True(toolResult > 0 && steering > toolResult, $"the tool result must come before the deferred message: {request}");
        await kit.DisposeAsync();
    }

    [Fact]
    public async Task Release1Snapshot_WithItsConversation_LoadsAndTheNextSnapshotDropsIt()
    {
        var kit = await SessionKit.StartAsync(fileStorage: true);
        kit.Llm.Fallback = _ => FakeResponse.Text("answer");
        var (id, session) = await kit.CreateAsync();
        await kit.AskAsync(session, "asked in release 1");
        await kit.Silo.DisposeAsync();

        // Release 1 wrote the conversation into the snapshot under `conversation:`; this one says something the log
        // does not, so the test sees which of the two the history came from.
        var snapshot = Path.Combine(kit.Root, ".duragent", "sessions", id, "state.yaml");
        var lines = (await File.ReadAllLinesAsync(snapshot)).ToList();
        var at = lines.FindIndex(l => l == "state:") + 1;
        lines.InsertRange(at, [
            "  conversation:",
            "  - seq: 2",
            "    role: user",
            "    content: kept by the release 1 snapshot",
            "  - seq: 6",
            "    role: assistant",
            "    content: answer",
        ]);
        await File.WriteAllLinesAsync(snapshot, lines);

        await using var restarted = await kit.RestartAsync();
        var grain = restarted.Session(id);
        var messages = (await grain.GetMessagesAsync(new MessageQuery())).Messages.Select(m => m.Content).ToList();
        await restarted.AskAsync(grain, "asked now");

        Assert.Equal(["kept by the release 1 snapshot", "answer"], messages);
        Assert.DoesNotContain("conversation:", await File.ReadAllTextAsync(snapshot), StringComparison.Ordinal);
        Assert.Contains("kept by the release 1 snapshot", restarted.Llm.Requests[^1].RawBody, StringComparison.Ordinal);
        await kit.DisposeAsync();
    }

    [Fact]
    public async Task DiscardCompaction_KeepsTheHistoryInTheSnapshot()
    {
        var kit = await SessionKit.StartAsync(fileStorage: true, sessions: o =>
        {
            o.Compaction = CompactionMode.Discard;
            o.SnapshotEveryEvents = 3;
        });
        kit.Llm.Fallback = _ => FakeResponse.Text("noted");
        var (id, session) = await kit.CreateAsync();
        for (var i = 0; i < 6; i++)
        {
            await kit.AskAsync(session, $"fact {i}");
        }

        await using var restarted = await kit.RestartAsync(o =>
        {
            o.Compaction = CompactionMode.Discard;
            o.SnapshotEveryEvents = 3;
        });
        var messages = (await restarted.Session(id).GetMessagesAsync(new MessageQuery())).Messages;

        var log = await File.ReadAllTextAsync(Path.Combine(kit.Root, ".duragent", "sessions", id, "events.jsonl"));
        Assert.DoesNotContain("fact 0", log, StringComparison.Ordinal);
        Assert.Equal(Enumerable.Range(0, 6).Select(i => $"fact {i}"), messages.Where(m => m.Role == "user").Select(m => m.Content));
        await kit.DisposeAsync();
    }

    /// <summary>
    /// An agent with <c>compaction: discard</c> (the server default is keep): the snapshot is the history's only copy.
    /// After a restart, a call that records an event before the agent is loaded (cancelling a parked turn) writes the
    /// snapshot with the server's compaction mode, without the history, and the discarded facts are gone.
    /// </summary>
    [Fact]
    public async Task AgentDiscardCompaction_CancelAfterRestart_KeepsTheHistory()
    {
        var kit = await SessionKit.StartAsync(fileStorage: true, policy: "mode: ask\n", sessions: o => o.SnapshotEveryEvents = 3);
        var agentFile = Path.Combine(kit.AgentDirectory(), "agent.yaml");
        await File.WriteAllTextAsync(agentFile, (await File.ReadAllTextAsync(agentFile))
            .Replace("    on_disconnect: pause", "    on_disconnect: pause\n    compaction: discard", StringComparison.Ordinal));
        kit.Llm.Fallback = _ => FakeResponse.Text("noted");
        var (id, session) = await kit.CreateAsync();
        for (var i = 0; i < 4; i++)
        {
            await kit.AskAsync(session, $"fact {i}");
        }

        kit.Llm.Enqueue(FakeResponse.ToolCalls(FakeToolCall.Create("bash", "{\"command\":\"ls\"}")));
        await session.SendMessageAsync(new SendMessage("list files"));
        await SessionKit.WaitForStatusAsync(session, SessionStatus.AwaitingApproval);
        var log = await File.ReadAllTextAsync(Path.Combine(kit.Root, ".duragent", "sessions", id, "events.jsonl"));
        Assert.DoesNotContain("fact 0", log, StringComparison.Ordinal);

        var restarted = await kit.RestartAsync(o => o.SnapshotEveryEvents = 3);
        Assert.True(await restarted.Session(id).CancelTurnAsync("changed my mind"));
        await using var again = await restarted.RestartAsync(o => o.SnapshotEveryEvents = 3);
        var messages = (await again.Session(id).GetMessagesAsync(new MessageQuery())).Messages;

        Assert.Equal(
            Enumerable.Range(0, 4).Select(i => $"fact {i}").Append("list files"),
            messages.Where(m => m.Role == "user").Select(m => m.Content));
        await kit.DisposeAsync();
    }
}
