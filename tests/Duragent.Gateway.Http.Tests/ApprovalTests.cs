using System.Text.Json;
using Duragent.FakeLlm;
using Duragent.Gateway.Http.Json;
using Duragent.Gateway.Http.Problems;
using Duragent.Sessions;

namespace Duragent.Gateway.Http.Tests;

public sealed class ApprovalTests
{
    private const string AskPolicy = "mode: ask\n";

    [Fact]
    public async Task AskPolicy_ParksTheTurn_ThenAnApprovalRunsTheToolAndTheTurnCompletes()
    {
        await using var kit = await GatewayKit.StartAsync(policy: AskPolicy);
        kit.Llm.Enqueue(FakeResponse.ToolCalls(FakeToolCall.Create("bash", "{\"command\":\"echo approved\"}")), FakeResponse.Text("done"));
        var session = await kit.CreateSessionAsync();
        await using var observer = await SseClient.OpenAsync(kit, session.SessionId, "?attach=false");

        using var sent = await kit.Client.PostAsync($"api/v1/sessions/{session.SessionId}/messages?wait=true", GatewayKit.Json("""{"content":"run it"}"""));
        await Http.ExpectAsync(sent, 200);
        var parked = await Http.ReadAsync(sent, SessionJsonContext.Default.TurnResult);
        Assert.Equal(SessionStatus.AwaitingApproval, parked.Status);
        var pending = Assert.IsType<PendingApprovalInfo>(parked.PendingApproval);
        Assert.Equal("echo approved", pending.Command);
        var required = await observer.ReadUntilAsync("approval_required");
        Assert.Equal(pending.CallId, JsonDocument.Parse(required.Data).RootElement.GetProperty("call_id").GetString());
        Assert.Equal(pending.CallId, (await kit.GetSessionAsync(session.SessionId)).PendingApproval?.CallId);

        using var decided = await kit.Client.PostAsync($"api/v1/sessions/{session.SessionId}/approvals", GatewayKit.Json($$"""{"call_id":"{{pending.CallId}}","decision":"allow_once","decided_by":"ann"}"""));

        await Http.ExpectAsync(decided, 200);
        var info = await Http.ReadAsync(decided, SessionJsonContext.Default.SessionInfo);
        Assert.Null(info.PendingApproval);
        await observer.ReadUntilAsync("approval_decided");
        var finished = await observer.ReadUntilAsync("tool_finished");
        Assert.Equal("approved\n", JsonDocument.Parse(finished.Data).RootElement.GetProperty("content").GetString());
        await observer.ReadUntilAsync("turn_completed");
        Assert.Equal(SessionStatus.Active, (await kit.GetSessionAsync(session.SessionId)).Status);
    }

    [Fact]
    public async Task Deny_TellsTheModel_AndTheToolNeverRuns()
    {
        await using var kit = await GatewayKit.StartAsync(policy: AskPolicy);
        kit.Llm.Enqueue(FakeResponse.ToolCalls(FakeToolCall.Create("bash", "{\"command\":\"echo no\"}")), FakeResponse.Text("understood"));
        var session = await kit.CreateSessionAsync();
        await using var observer = await SseClient.OpenAsync(kit, session.SessionId, "?attach=false");
        await kit.SendAsync(session.SessionId, "run it");
        var required = await observer.ReadUntilAsync("approval_required");
        var callId = JsonDocument.Parse(required.Data).RootElement.GetProperty("call_id").GetString();

        using var decided = await kit.Client.PostAsync($"api/v1/sessions/{session.SessionId}/approvals", GatewayKit.Json($$"""{"call_id":"{{callId}}","decision":"deny"}"""));

        await Http.ExpectAsync(decided, 200);
        var finished = await observer.ReadUntilAsync("tool_finished");
        Assert.Equal("denied", JsonDocument.Parse(finished.Data).RootElement.GetProperty("status").GetString());
        await observer.ReadUntilAsync("turn_completed");
        Assert.DoesNotContain(observer.Received, e => e.EventType == "tool_started");
    }

    [Fact]
    public async Task Approval_Is409WhenNoneIsPending_OrForAnotherCall_AndStoresNothing()
    {
        await using var kit = await GatewayKit.StartAsync(policy: AskPolicy);
        kit.Llm.Enqueue(FakeResponse.ToolCalls(FakeToolCall.Create("bash", "{\"command\":\"echo x\"}")));
        var session = await kit.CreateSessionAsync();
        var idle = kit.StorageFingerprint();

        using var none = await kit.Client.PostAsync($"api/v1/sessions/{session.SessionId}/approvals", GatewayKit.Json("""{"call_id":"call_1","decision":"allow_once"}"""));

        Assert.Contains("no pending approval", (await Http.ProblemAsync(none, 409, ProblemCodes.SessionConflict)).Detail, StringComparison.Ordinal);
        Assert.Equal(idle, kit.StorageFingerprint());

        using var sent = await kit.Client.PostAsync($"api/v1/sessions/{session.SessionId}/messages?wait=true", GatewayKit.Json("""{"content":"run it"}"""));
        var parked = await Http.ReadAsync(sent, SessionJsonContext.Default.TurnResult);
        var before = kit.StorageFingerprint();
        using var other = await kit.Client.PostAsync($"api/v1/sessions/{session.SessionId}/approvals", GatewayKit.Json("""{"call_id":"call_other","decision":"allow_once"}"""));

        var problem = await Http.ProblemAsync(other, 409, ProblemCodes.SessionConflict);
        Assert.Contains(parked.PendingApproval!.CallId, problem.Detail, StringComparison.Ordinal);
        Assert.Equal(before, kit.StorageFingerprint());
    }

    [Theory]
    [InlineData("""{"decision":"allow_once"}""", "'call_id' is required")]
    [InlineData("""{"call_id":"c"}""", "'decision' is required")]
    [InlineData("""{"call_id":"c","decision":"sure"}""", "'decision' must be one of allow_once, allow_always, deny")]
    public async Task Approval_Is400NamingTheField(string body, string expected)
    {
        await using var kit = await GatewayKit.StartAsync();
        var session = await kit.CreateSessionAsync();

        using var response = await kit.Client.PostAsync($"api/v1/sessions/{session.SessionId}/approvals", GatewayKit.Json(body));

        Assert.Contains(expected, (await Http.ProblemAsync(response, 400, ProblemCodes.InvalidRequest)).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancel_StopsTheRunningTurn_AndSaysFalseWhenNothingRuns()
    {
        await using var kit = await GatewayKit.StartAsync();
        var gate = new FakeGate();
        kit.Llm.Enqueue(FakeResponse.Text("a", "b").WithGate(gate, 1));
        var session = await kit.CreateSessionAsync();
        await using var observer = await SseClient.OpenAsync(kit, session.SessionId, "?attach=false");
        await kit.SendAsync(session.SessionId, "go");
        await gate.WaitReachedAsync(GatewayKit.Wait);

        using var cancelled = await kit.Client.PostAsync($"api/v1/sessions/{session.SessionId}/cancel", null);
        using var again = await kit.Client.PostAsync($"api/v1/sessions/{session.SessionId}/cancel", null);
        using var missing = await kit.Client.PostAsync("api/v1/sessions/session_nope/cancel", null);
        gate.Release();

        await Http.ExpectAsync(cancelled, 200);
        Assert.True((await Http.ReadAsync(cancelled, GatewayJsonContext.Default.CancelResult)).Cancelled);
        Assert.False((await Http.ReadAsync(again, GatewayJsonContext.Default.CancelResult)).Cancelled);
        await Http.ProblemAsync(missing, 404, ProblemCodes.SessionNotFound);
        var completed = await observer.ReadUntilAsync("turn_completed");
        Assert.Equal("cancelled", JsonDocument.Parse(completed.Data).RootElement.GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task Resume_OfASessionThatIsNotPaused_ReturnsItUnchanged_And404ForAnUnknownOne()
    {
        await using var kit = await GatewayKit.StartAsync();
        var session = await kit.CreateSessionAsync();

        using var resumed = await kit.Client.PostAsync($"api/v1/sessions/{session.SessionId}/resume", null);
        using var missing = await kit.Client.PostAsync("api/v1/sessions/session_nope/resume", null);

        await Http.ExpectAsync(resumed, 200);
        Assert.Equal(SessionStatus.Active, (await Http.ReadAsync(resumed, SessionJsonContext.Default.SessionInfo)).Status);
        await Http.ProblemAsync(missing, 404, ProblemCodes.SessionNotFound);
    }
}
