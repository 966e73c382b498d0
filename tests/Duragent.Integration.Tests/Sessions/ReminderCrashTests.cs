using System.Diagnostics;
using Duragent.Integration.Tests.Http;
using Duragent.FakeLlm;
using Duragent.Integration.Tests.Cli;
using Duragent.Sessions;
using Duragent.Sessions.Events;
using Xunit.Abstractions;

namespace Duragent.Integration.Tests.Sessions;

/// <summary>
/// A session's durable wake-ups (docs/runtime.md, "Wake-ups") across a SIGKILL of a real <c>duragent serve</c> on the
/// file reminder table: the row is on disk when the process dies, Orleans' reminder service loads it at the next
/// start, and its tick reaches the session with nobody calling it. A wake-up whose time passed while the process was
/// down ticks at the next slot of its one-minute period, so the waits allow several minutes on a busy machine.
/// </summary>
[Trait("Category", "Slow")]
public sealed class ReminderCrashTests(ITestOutputHelper output)
{
    // A tick may come up to a minute (the reminder period) after the start; the rest is slack for a loaded machine.
    private static readonly TimeSpan TickWait = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    // Long enough that the test surely kills the server before the expiry, short enough to wait out while it is down.
    private static readonly TimeSpan ApprovalTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan DefaultTtl = SessionOptions.DefaultTtl;

    [Fact]
    public async Task ApprovalExpiresWhileTheServerIsDown_TheRestartDeniesItAndTheTurnCompletes()
    {
        await using var ws = await CliWorkspace.CreateAsync(onDisconnect: "continue", bashTool: true);
        await File.WriteAllTextAsync(Path.Combine(ws.Directory, ".duragent", "agents", "assistant", "policy.yaml"),
            $"apiVersion: duragent/v1alpha1\nkind: Policy\nmode: ask\napproval_timeout_seconds: {ApprovalTimeout.TotalSeconds:0}\n");
        var marker = Path.Combine(ws.Directory, "ran.txt");
        var afterExpiry = new FakeGate();
        ws.Llm.Enqueue(
            FakeResponse.ToolCalls(FakeToolCall.Create("bash", $"{{\"command\":\"echo ran > {marker}\"}}")),
            FakeResponse.Text("Not", " running", " it.").WithGate(afterExpiry, 1),
            FakeResponse.Text("Not", " running", " it."));
        using var client = new HttpApiClient(ws.BaseUrl, ws.Credentials);
        var serve = await ws.ServeAsync();
        var session = await client.CreateSessionAsync(new CreateSessionRequest("assistant"));
        var approvalRow = ReminderRowFile.PathOf(ws, session.SessionId, SessionGrain.ApprovalReminder);
        var turnRow = ReminderRowFile.PathOf(ws, session.SessionId, SessionGrain.TurnReminder);
        await client.SendMessageAsync(session.SessionId, "write the marker");

        var required = (ApprovalRequired)(await ServerEvents.WaitForAsync(client, session.SessionId, e => e.Event is ApprovalRequired, "the approval request", Wait)).Event;
        var expiresAt = required.ExpiresAt ?? throw new InvalidOperationException("The approval has no expires_at although the policy sets approval_timeout_seconds.");
        await ReminderRowFile.WaitForAsync(approvalRow, row => row is not null, "the approval reminder row", Wait);
        await serve.KillAsync();
        var killedAt = DateTimeOffset.UtcNow;
        Assert.True(killedAt < expiresAt, $"The server was killed at {killedAt:O}, after the approval expired ({expiresAt:O}): the machine is too slow for a {ApprovalTimeout.TotalSeconds:0} s timeout.");

        var row = ReminderRowFile.Read(approvalRow);
        Assert.NotNull(row);
        Assert.InRange(row.StartAt, expiresAt.UtcDateTime - TimeSpan.FromSeconds(2), expiresAt.UtcDateTime + TimeSpan.FromSeconds(2));
        Assert.Equal(TimeSpan.FromMinutes(1), row.Period);
        Assert.NotNull(ReminderRowFile.Read(turnRow));

        // The expiry passes while nothing runs.
        var down = expiresAt + TimeSpan.FromSeconds(2) - DateTimeOffset.UtcNow;
        if (down > TimeSpan.Zero)
        {
            await Task.Delay(down);
        }

        var restartedAt = DateTimeOffset.UtcNow;
        serve = await ws.ServeAsync();
        var readyAt = DateTimeOffset.UtcNow;
        var decided = await ServerEvents.WaitForAsync(client, session.SessionId, e => e.Event is ApprovalDecided, "the expiry of the approval after the restart", TickWait);
        output.WriteLine($"approval expired at {expiresAt:HH:mm:ss.fff}; killed {(expiresAt - killedAt).TotalSeconds:0.0} s before; restarted {(restartedAt - expiresAt).TotalSeconds:0.0} s after it");
        output.WriteLine($"start-up took {(readyAt - restartedAt).TotalSeconds:0.0} s; the expiry was recorded {(decided.Timestamp - restartedAt).TotalSeconds:0.0} s after the restart ({(decided.Timestamp - readyAt).TotalSeconds:0.0} s after ready)");

        Assert.Equal(new ApprovalDecided(required.CallId, ApprovalChoice.Deny, "expired"), decided.Event);
        Assert.True(decided.Timestamp > restartedAt, $"The expiry was recorded at {decided.Timestamp:O}, before the restart ({restartedAt:O}).");

        // The turn goes on with the LLM call after the denial, and holds its turn reminder while it runs: killed
        // again, it resumes at the next start with nobody calling the session.
        await afterExpiry.WaitReachedAsync(Wait);
        await ReminderRowFile.WaitForAsync(approvalRow, r => r is null, "the approval reminder to be removed after the expiry", Wait);
        Assert.True(ReminderRowFile.Read(turnRow) is not null, "The turn runs again after the expiry, but without its turn reminder: a crash now would leave it stuck.");
        await serve.KillAsync();
        afterExpiry.Release();
        serve = await ws.ServeAsync();
        await ws.Llm.WaitForRequestAsync(3, Wait);

        var completed = await ServerEvents.WaitForAsync(client, session.SessionId, e => e.Event is TurnCompleted, "the turn to complete after the expiry", Wait);
        Assert.Equal(TurnOutcome.Completed, ((TurnCompleted)completed.Event).Outcome);
        var events = await ServerEvents.AllAsync(client, session.SessionId);
        var denied = Assert.Single(events.Select(e => e.Event).OfType<ToolFinished>());
        Assert.Equal(ToolOutcome.Denied, denied.Status);
        Assert.DoesNotContain(events, e => e.Event is ToolStarted);
        Assert.False(File.Exists(marker), "The command whose approval expired ran.");
        Assert.Single(events, e => e.Event is LlmCallFailed { Code: "interrupted" });
        Assert.Equal("Not running it.", events.Select(e => e.Event).OfType<AssistantMessage>().Last().Content);
        Assert.Equal(3, ws.Llm.RequestCount);
        Assert.Contains("denied", ws.Llm.Requests[^1].RawBody, StringComparison.Ordinal);
        Assert.Equal(SessionStatus.Active, (await client.GetSessionAsync(session.SessionId)).Status);
        await ReminderRowFile.WaitForAsync(turnRow, r => r is null, "the turn reminder to be removed at the end of the turn", Wait);
        await serve.DisposeAsync();
    }

    [Fact]
    public async Task ParkedTurnResumedByAMessage_HoldsItsTurnReminder_AndResumesAfterAKill()
    {
        await using var ws = await CliWorkspace.CreateAsync(onDisconnect: "continue", bashTool: true);
        var resumed = new FakeGate();
        ws.Llm.Enqueue(
            FakeResponse.ToolCalls(FakeToolCall.Create("bash", "{\"command\":\"echo parked\"}")),
            FakeResponse.Text("Answering", " the", " new", " message.").WithGate(resumed, 1),
            FakeResponse.Text("Answering the new message."));
        using var client = new HttpApiClient(ws.BaseUrl, ws.Credentials);
        var serve = await ws.ServeAsync();
        var session = await client.CreateSessionAsync(new CreateSessionRequest("assistant"));
        var turnRow = ReminderRowFile.PathOf(ws, session.SessionId, SessionGrain.TurnReminder);
        await client.SendMessageAsync(session.SessionId, "run it");
        await ServerEvents.WaitForAsync(client, session.SessionId, e => e.Event is ApprovalRequired, "the approval request", Wait);

        // A parked turn drops its turn reminder at the reminder's first tick (docs/runtime.md).
        var parked = Stopwatch.StartNew();
        await ReminderRowFile.WaitForAsync(turnRow, r => r is null, "the parked turn to drop its turn reminder", TickWait);
        output.WriteLine($"the parked turn dropped its turn reminder {parked.Elapsed.TotalSeconds:0.0} s after the approval request");

        // A new message supersedes the pending approval and runs the turn again, which must hold its turn reminder.
        await client.SendMessageAsync(session.SessionId, "never mind, just answer");
        await resumed.WaitReachedAsync(Wait);
        Assert.True(ReminderRowFile.Read(turnRow) is not null, "The turn runs again after a new message, but without its turn reminder: a crash now would leave it stuck.");
        await serve.KillAsync();
        resumed.Release();
        serve = await ws.ServeAsync();
        await ws.Llm.WaitForRequestAsync(3, Wait);

        var completed = await ServerEvents.WaitForAsync(client, session.SessionId, e => e.Event is TurnCompleted, "the resumed turn to complete", Wait);
        Assert.Equal(TurnOutcome.Completed, ((TurnCompleted)completed.Event).Outcome);
        var events = await ServerEvents.AllAsync(client, session.SessionId);
        Assert.DoesNotContain(events, e => e.Event is ToolStarted);
        Assert.Equal("Answering the new message.", events.Select(e => e.Event).OfType<AssistantMessage>().Last().Content);
        await ReminderRowFile.WaitForAsync(turnRow, r => r is null, "the turn reminder to be removed at the end of the turn", Wait);
        await serve.DisposeAsync();
    }

    [Fact]
    public async Task TtlReminderSurvivesAKill_ItsOverdueTickReachesTheSessionAfterTheRestart()
    {
        await using var ws = await CliWorkspace.CreateAsync();
        ws.Llm.Enqueue(FakeResponse.Text("Hello", " there."));
        using var client = new HttpApiClient(ws.BaseUrl, ws.Credentials);
        var serve = await ws.ServeAsync();
        var session = await client.CreateSessionAsync(new CreateSessionRequest("assistant"));
        var ttlRow = ReminderRowFile.PathOf(ws, session.SessionId, SessionGrain.TtlReminder);
        var created = (await ReminderRowFile.WaitForAsync(ttlRow, r => r is not null, "the ttl reminder row of the new session", Wait))!;

        var result = await client.SendMessageAndWaitAsync(session.SessionId, "hi");
        Assert.Equal("Hello there.", result.Content);
        var info = await client.GetSessionAsync(session.SessionId);
        var idleUntil = info.UpdatedAt.UtcDateTime + DefaultTtl;

        // The end of the turn moves the row to the last activity + the TTL.
        var moved = (await ReminderRowFile.WaitForAsync(ttlRow, r => r is not null && r.Version > created.Version, "the ttl reminder to move at the end of the turn", Wait))!;
        Assert.InRange(moved.StartAt, idleUntil - TimeSpan.FromSeconds(5), idleUntil + TimeSpan.FromSeconds(5));
        Assert.Equal(TimeSpan.FromMinutes(1), moved.Period);

        await serve.KillAsync();
        Assert.Equal(moved, ReminderRowFile.Read(ttlRow));

        // sessions.ttl_hours is in whole hours, too long to wait out here. Instead the row is made due while the
        // server is down (an operator may edit rows while the silo is stopped), as if the TTL had run out meanwhile:
        // its tick must come after the restart and reach the session, which is not idle that long and moves the row
        // back to its last activity + the TTL. Nothing else calls the session in between.
        ReminderRowFile.RewriteStartAt(ttlRow, DateTime.UtcNow - TimeSpan.FromMinutes(10));
        var restartedAt = Stopwatch.StartNew();
        serve = await ws.ServeAsync();
        var ready = restartedAt.Elapsed;
        var ticked = (await ReminderRowFile.WaitForAsync(ttlRow, r => r is not null && r.Version > moved.Version, "the overdue ttl reminder to tick after the restart", TickWait))!;
        output.WriteLine($"start-up took {ready.TotalSeconds:0.0} s; the overdue ttl reminder ticked and moved {restartedAt.Elapsed.TotalSeconds:0.0} s after the restart (polled every 0.2 s)");

        Assert.InRange(ticked.StartAt, idleUntil - TimeSpan.FromSeconds(5), idleUntil + TimeSpan.FromSeconds(5));
        var after = await client.GetSessionAsync(session.SessionId);
        Assert.Equal(SessionStatus.Active, after.Status);
        Assert.Equal(info.LastSeq, after.LastSeq);

        // Still registered with the reminder service: deleting the session removes the row through it.
        await client.DeleteSessionAsync(session.SessionId);
        await ReminderRowFile.WaitForAsync(ttlRow, r => r is null, "the ttl reminder to be removed with the session", Wait);
        Assert.False(Directory.Exists(Path.GetDirectoryName(ttlRow)), "The session's reminder folder is left after its last row was removed.");
        await serve.DisposeAsync();
    }
}
