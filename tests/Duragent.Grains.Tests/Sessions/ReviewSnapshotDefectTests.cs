using Duragent.FakeLlm;
using Duragent.Sessions;

namespace Duragent.Grains.Tests.Sessions;

/// <summary>Defects found in review of the snapshot-without-history design (issue 7.5).</summary>
public sealed class ReviewSnapshotDefectTests
{
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
