using System.Text.Json;
using Duragent.FakeLlm;
using Duragent.Gateway.Http.Endpoints;
using Duragent.Gateway.Http.Problems;
using Duragent.Sessions;

namespace Duragent.Gateway.Http.Tests;

public sealed class MessagesApiTests
{
    [Fact]
    public async Task Send_Returns202OnceTheMessageIsStored()
    {
        await using var kit = await GatewayKit.StartAsync();
        var gate = new FakeGate();
        kit.Llm.Enqueue(FakeResponse.Text("hi").WithGate(gate));
        var session = await kit.CreateSessionAsync();

        var accepted = await kit.SendAsync(session.SessionId, "hello");

        Assert.True(accepted.StartedTurn);
        Assert.StartsWith("msg_", accepted.MessageId, StringComparison.Ordinal);
        var stored = (await kit.EventsAsync(session.SessionId)).Single(e => e.GetProperty("seq").GetInt64() == accepted.Seq);
        Assert.Equal("user_message", stored.GetProperty("type").GetString());
        Assert.Equal("hello", stored.GetProperty("content").GetString());
        Assert.Equal("api", stored.GetProperty("source").GetString());
        gate.Release();
    }

    [Fact]
    public async Task Send_WithWait_Returns200WithTheTurnResult()
    {
        await using var kit = await GatewayKit.StartAsync();
        kit.Llm.Enqueue(FakeResponse.Text("Hello", " there"));
        var session = await kit.CreateSessionAsync();

        using var response = await kit.Client.PostAsync($"api/v1/sessions/{session.SessionId}/messages?wait=true", GatewayKit.Json("""{"content":"hi","client_message_id":"c-1","sender_name":"Ann"}"""));

        await Http.ExpectAsync(response, 200);
        var result = await Http.ReadAsync(response, SessionJsonContext.Default.TurnResult);
        Assert.Equal(SessionStatus.Active, result.Status);
        Assert.Equal("Hello there", result.Content);
        var json = await Http.JsonAsync(response);
        Assert.Equal("completed", json.GetProperty("outcome").GetString());
        var user = (await kit.EventsAsync(session.SessionId)).Single(e => e.GetProperty("type").GetString() == "user_message");
        Assert.Equal("c-1", user.GetProperty("client_message_id").GetString());
        Assert.Equal("Ann", user.GetProperty("sender_name").GetString());
    }

    [Fact]
    public async Task Send_WithClientMessageId_IsStoredOnce()
    {
        await using var kit = await GatewayKit.StartAsync();
        kit.Llm.Enqueue(FakeResponse.Text("once"));
        var session = await kit.CreateSessionAsync();
        var body = """{"content":"hi","client_message_id":"retry-me"}""";

        using var first = await kit.Client.PostAsync($"api/v1/sessions/{session.SessionId}/messages?wait=true", GatewayKit.Json(body));
        using var second = await kit.Client.PostAsync($"api/v1/sessions/{session.SessionId}/messages", GatewayKit.Json(body));

        await Http.ExpectAsync(first, 200);
        await Http.ExpectAsync(second, 202);
        Assert.True((await Http.ReadAsync(second, SessionJsonContext.Default.MessageAccepted)).Duplicate);
        Assert.Single(await kit.EventsAsync(session.SessionId), e => e.GetProperty("type").GetString() == "user_message");
    }

    [Fact]
    public async Task Send_WithWait_Returns202AndTheStatusWhenTheTurnOutlastsTheTimeout()
    {
        await using var kit = await GatewayKit.StartAsync(onDisconnect: "continue", gateway: o => o.RequestTimeout = TimeSpan.FromMilliseconds(300));
        var gate = new FakeGate();
        kit.Llm.Enqueue(FakeResponse.Text("slow", " answer").WithGate(gate, 1));
        var session = await kit.CreateSessionAsync();

        using var response = await kit.Client.PostAsync($"api/v1/sessions/{session.SessionId}/messages?wait=true", GatewayKit.Json("""{"content":"take your time"}"""));

        await Http.ExpectAsync(response, 202);
        Assert.Equal("running", response.Headers.GetValues(MessagesApi.SessionStatusHeader).Single());
        var accepted = await Http.ReadAsync(response, SessionJsonContext.Default.MessageAccepted);
        Assert.True(accepted.StartedTurn);
        gate.Release();
    }

    [Fact]
    public async Task Send_Is404ForAnUnknownSession_And400ForMissingContent()
    {
        await using var kit = await GatewayKit.StartAsync();
        var session = await kit.CreateSessionAsync();
        var before = kit.StorageFingerprint();

        using var unknown = await kit.Client.PostAsync("api/v1/sessions/session_nope/messages", GatewayKit.Json("""{"content":"hi"}"""));
        using var missing = await kit.Client.PostAsync($"api/v1/sessions/{session.SessionId}/messages", GatewayKit.Json("""{"text":"hi"}"""));
        using var blank = await kit.Client.PostAsync($"api/v1/sessions/{session.SessionId}/messages", GatewayKit.Json("""{"content":"   "}"""));
        using var badWait = await kit.Client.PostAsync($"api/v1/sessions/{session.SessionId}/messages?wait=maybe", GatewayKit.Json("""{"content":"hi"}"""));

        await Http.ProblemAsync(unknown, 404, ProblemCodes.SessionNotFound);
        Assert.Contains("'content' is required", (await Http.ProblemAsync(missing, 400, ProblemCodes.InvalidRequest)).Detail, StringComparison.Ordinal);
        Assert.Contains("'content' must not be empty", (await Http.ProblemAsync(blank, 400, ProblemCodes.InvalidRequest)).Detail, StringComparison.Ordinal);
        Assert.Contains("wait", (await Http.ProblemAsync(badWait, 400, ProblemCodes.InvalidRequest)).Detail, StringComparison.Ordinal);
        Assert.Equal(before, kit.StorageFingerprint());
    }

    [Fact]
    public async Task Get_PagesOldestFirstWithAfter_AndNewestFirstWithBefore()
    {
        await using var kit = await GatewayKit.StartAsync();
        kit.Llm.Fallback = request => FakeResponse.Text("reply");
        var session = await kit.CreateSessionAsync();
        for (var i = 1; i <= 3; i++)
        {
            using var sent = await kit.Client.PostAsync($"api/v1/sessions/{session.SessionId}/messages?wait=true", GatewayKit.Json($$"""{"content":"m{{i}}"}"""));
            await Http.ExpectAsync(sent, 200);
        }

        var oldest = await PageAsync(kit, $"api/v1/sessions/{session.SessionId}/messages?limit=4");
        var rest = await PageAsync(kit, $"api/v1/sessions/{session.SessionId}/messages?limit=4&after={oldest.NextCursor}");
        var newest = await PageAsync(kit, $"api/v1/sessions/{session.SessionId}/messages?limit=2&order=newest");
        var older = await PageAsync(kit, $"api/v1/sessions/{session.SessionId}/messages?limit=2&order=newest&before={newest.NextCursor}");

        Assert.Equal(["m1", "reply", "m2", "reply"], oldest.Messages.Select(m => m.Content));
        Assert.True(oldest.HasMore);
        Assert.Equal(["m3", "reply"], rest.Messages.Select(m => m.Content));
        Assert.False(rest.HasMore);
        Assert.Equal(["reply", "m3"], newest.Messages.Select(m => m.Content));
        Assert.True(newest.HasMore);
        Assert.Equal(["reply", "m2"], older.Messages.Select(m => m.Content));
        Assert.Equal(["user", "assistant"], oldest.Messages.Take(2).Select(m => m.Role));
    }

    [Theory]
    [InlineData("limit=0", "'limit'")]
    [InlineData("limit=501", "'limit'")]
    [InlineData("limit=ten", "limit")]
    [InlineData("order=sideways", "'order'")]
    [InlineData("before=0", "'before'")]
    [InlineData("after=-1", "'after'")]
    [InlineData("include_tools=perhaps", "include_tools")]
    public async Task Get_Is400ForAnInvalidQuery_NamingTheParameter(string query, string named)
    {
        await using var kit = await GatewayKit.StartAsync();
        var session = await kit.CreateSessionAsync();

        using var response = await kit.Client.GetAsync($"api/v1/sessions/{session.SessionId}/messages?{query}");

        var problem = await Http.ProblemAsync(response, 400, ProblemCodes.InvalidRequest);
        Assert.Contains(named, problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_Is404ForAnUnknownSession()
    {
        await using var kit = await GatewayKit.StartAsync();

        using var response = await kit.Client.GetAsync("api/v1/sessions/session_nope/messages");

        await Http.ProblemAsync(response, 404, ProblemCodes.SessionNotFound);
    }

    private static async Task<MessagePage> PageAsync(GatewayKit kit, string url)
    {
        using var response = await kit.Client.GetAsync(url);
        await Http.ExpectAsync(response, 200);
        return await Http.ReadAsync(response, SessionJsonContext.Default.MessagePage);
    }
}
