using System.Text.Json;
using Duragent.Gateway.Http.Json;
using Duragent.Gateway.Http.Problems;
using Duragent.Sessions;

namespace Duragent.Gateway.Http.Tests;

public sealed class SessionsApiTests
{
    [Fact]
    public async Task Create_Returns201WithLocationAndAGeneratedSessionId()
    {
        await using var kit = await GatewayKit.StartAsync();

        using var response = await kit.Client.PostAsync("api/v1/sessions", GatewayKit.Json("""{"agent":"assistant"}"""));

        await Http.ExpectAsync(response, 201);
        var info = await Http.ReadAsync(response, SessionJsonContext.Default.SessionInfo);
        Assert.Matches("^session_[0-9A-HJKMNP-TV-Z]{26}$", info.SessionId);
        Assert.Equal("assistant", info.Agent);
        Assert.Equal(SessionStatus.Active, info.Status);
        Assert.Equal(OnDisconnect.Pause, info.OnDisconnect);
        Assert.Equal("api", info.Source);
        Assert.Equal($"/api/v1/sessions/{info.SessionId}", response.Headers.Location?.OriginalString);
        var json = await Http.JsonAsync(response);
        Assert.Equal("active", json.GetProperty("status").GetString());
        Assert.Equal("pause", json.GetProperty("on_disconnect").GetString());
        Assert.True(Directory.Exists(Path.Combine(kit.SessionsDirectory, info.SessionId)));
    }

    [Fact]
    public async Task Create_UsesTheGivenIdOnDisconnectAndSource()
    {
        await using var kit = await GatewayKit.StartAsync();

        using var response = await kit.Client.PostAsync("api/v1/sessions", GatewayKit.Json("""{"agent":"assistant","session_id":"my-chat.1","on_disconnect":"continue","source":"cli"}"""));

        await Http.ExpectAsync(response, 201);
        var info = await Http.ReadAsync(response, SessionJsonContext.Default.SessionInfo);
        Assert.Equal("my-chat.1", info.SessionId);
        Assert.Equal(OnDisconnect.Continue, info.OnDisconnect);
        Assert.Equal("cli", info.Source);
    }

    [Fact]
    public async Task Create_Is409WhenTheIdExists_AndTheSessionIsUntouched()
    {
        await using var kit = await GatewayKit.StartAsync();
        await kit.CreateSessionAsync(id: "taken");
        var before = kit.StorageFingerprint();

        using var response = await kit.Client.PostAsync("api/v1/sessions", GatewayKit.Json("""{"agent":"assistant","session_id":"taken"}"""));

        var problem = await Http.ProblemAsync(response, 409, ProblemCodes.SessionConflict);
        Assert.Contains("taken", problem.Detail, StringComparison.Ordinal);
        Assert.Equal(before, kit.StorageFingerprint());
    }

    [Fact]
    public async Task Create_Is404ForAnUnknownAgent_AndStoresNothing()
    {
        await using var kit = await GatewayKit.StartAsync();
        var before = kit.StorageFingerprint();

        using var response = await kit.Client.PostAsync("api/v1/sessions", GatewayKit.Json("""{"agent":"nobody","session_id":"s1"}"""));

        var problem = await Http.ProblemAsync(response, 404, ProblemCodes.AgentNotFound);
        Assert.Contains("nobody", problem.Detail, StringComparison.Ordinal);
        Assert.Equal(before, kit.StorageFingerprint());
        using var get = await kit.Client.GetAsync("api/v1/sessions/s1");
        await Http.ProblemAsync(get, 404, ProblemCodes.SessionNotFound);
    }

    [Fact]
    public async Task Create_Is422ForAnAgentThatFailsToLoad_ListingItsErrors()
    {
        await using var kit = await GatewayKit.StartAsync(prepare: root =>
        {
            var dir = Path.Combine(root, "agents", "broken");
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, "agent.yaml"), "apiVersion: duragent/v1alpha1\nkind: Agent\nmetadata:\n  name: broken\nspec:\n  model:\n    provider: nonsense\n    name: x\n");
        });
        var before = kit.StorageFingerprint();

        using var response = await kit.Client.PostAsync("api/v1/sessions", GatewayKit.Json("""{"agent":"broken"}"""));

        var problem = await Http.ProblemAsync(response, 422, ProblemCodes.AgentInvalid);
        Assert.NotNull(problem.Errors);
        Assert.Contains(problem.Errors, e => e.Contains("provider", StringComparison.Ordinal) && e.StartsWith("agents/broken/agent.yaml:", StringComparison.Ordinal));
        Assert.Equal(before, kit.StorageFingerprint());
    }

    [Theory]
    [InlineData("""{}""", "'agent' is required")]
    [InlineData("""{"agent":""}""", "'agent' must not be empty")]
    [InlineData("""{"agent":"../etc"}""", "'agent' is not a valid agent name")]
    [InlineData("""{"agent":"assistant","on_disconnect":"explode"}""", "'on_disconnect' must be one of pause, continue")]
    [InlineData("""{"agent":42}""", "'agent' has a value of the wrong type")]
    [InlineData("""{"agent":"assistant","source":"a b"}""", "'source' is not a valid name")]
    public async Task Create_Is400NamingTheField(string body, string expected)
    {
        await using var kit = await GatewayKit.StartAsync();
        var before = kit.StorageFingerprint();

        using var response = await kit.Client.PostAsync("api/v1/sessions", GatewayKit.Json(body));

        var problem = await Http.ProblemAsync(response, 400, ProblemCodes.InvalidRequest);
        Assert.Contains(expected, problem.Detail, StringComparison.Ordinal);
        Assert.Equal(before, kit.StorageFingerprint());
    }

    [Theory]
    [InlineData("../escape", "must start with a letter or a digit")]
    [InlineData("a/b", "'/'")]
    [InlineData("a\u0001b", "U+0001")]
    [InlineData("a..b", "'..'")]
    public async Task Create_Is400ForAnInvalidSessionId_NamingTheRule(string id, string rule)
    {
        await using var kit = await GatewayKit.StartAsync();
        var before = kit.StorageFingerprint();

        using var response = await kit.Client.PostAsync("api/v1/sessions", GatewayKit.Json(JsonSerializer.Serialize(new Dictionary<string, string> { ["agent"] = "assistant", ["session_id"] = id })));

        var problem = await Http.ProblemAsync(response, 400, ProblemCodes.InvalidId);
        Assert.Contains("session_id", problem.Detail, StringComparison.Ordinal);
        Assert.Contains(rule, problem.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("\u0001", problem.Detail, StringComparison.Ordinal);
        Assert.Equal(before, kit.StorageFingerprint());
    }

    [Fact]
    public async Task Get_ReturnsTheSession_And404ForAnUnknownOne()
    {
        await using var kit = await GatewayKit.StartAsync();
        var created = await kit.CreateSessionAsync();

        var info = await kit.GetSessionAsync(created.SessionId);
        using var missing = await kit.Client.GetAsync("api/v1/sessions/session_missing");

        Assert.Equal(created.SessionId, info.SessionId);
        Assert.Equal(created.CreatedAt, info.CreatedAt);
        var problem = await Http.ProblemAsync(missing, 404, ProblemCodes.SessionNotFound);
        Assert.Equal("/api/v1/sessions/session_missing", problem.Instance);
        Assert.False(Directory.Exists(Path.Combine(kit.SessionsDirectory, "session_missing")));
    }

    [Fact]
    public async Task List_ReturnsEverySession_FilteredByStatusAndAgent()
    {
        await using var kit = await GatewayKit.StartAsync();
        GatewayKit.WriteAgent(kit.Root, "other", kit.Llm);
        var a = await kit.CreateSessionAsync(id: "a");
        var b = await kit.CreateSessionAsync(agent: "other", id: "b");

        var all = await ListAsync(kit, "api/v1/sessions");
        var others = await ListAsync(kit, "api/v1/sessions?agent=other");
        var active = await ListAsync(kit, "api/v1/sessions?status=active");
        var paused = await ListAsync(kit, "api/v1/sessions?status=paused");

        Assert.Equal(["a", "b"], all.Select(s => s.SessionId).Order());
        Assert.Equal(["b"], others.Select(s => s.SessionId));
        Assert.Equal(2, active.Count);
        Assert.Empty(paused);
        using var bad = await kit.Client.GetAsync("api/v1/sessions?status=sleepy");
        var problem = await Http.ProblemAsync(bad, 400, ProblemCodes.InvalidRequest);
        Assert.Contains("'status'", problem.Detail, StringComparison.Ordinal);
        Assert.Contains("awaiting_approval", problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_AfterARestart_ReadsTheStoredSessions()
    {
        await using var kit = await GatewayKit.StartAsync();
        await kit.CreateSessionAsync(id: "kept");
        await kit.StopAsync();
        await using var restarted = await kit.RestartAsync();

        var all = await ListAsync(restarted, "api/v1/sessions");

        Assert.Equal(["kept"], all.Select(s => s.SessionId));
    }

    [Fact]
    public async Task Delete_Returns204_RemovesTheSession_AndThen404()
    {
        await using var kit = await GatewayKit.StartAsync();
        var created = await kit.CreateSessionAsync();

        using var deleted = await kit.Client.DeleteAsync($"api/v1/sessions/{created.SessionId}");
        using var again = await kit.Client.DeleteAsync($"api/v1/sessions/{created.SessionId}");
        using var get = await kit.Client.GetAsync($"api/v1/sessions/{created.SessionId}");

        await Http.ExpectAsync(deleted, 204);
        await Http.ProblemAsync(again, 404, ProblemCodes.SessionNotFound);
        await Http.ProblemAsync(get, 404, ProblemCodes.SessionNotFound);
        Assert.Empty(await ListAsync(kit, "api/v1/sessions"));
        Assert.False(Directory.Exists(Path.Combine(kit.SessionsDirectory, created.SessionId)), "the session's folder is left behind");
    }

    private static async Task<IReadOnlyList<SessionInfo>> ListAsync(GatewayKit kit, string url)
    {
        using var response = await kit.Client.GetAsync(url);
        await Http.ExpectAsync(response, 200);
        return (await Http.ReadAsync(response, GatewayJsonContext.Default.SessionList)).Sessions;
    }
}
