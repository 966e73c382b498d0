using System.Text.Json;
using Duragent.FakeLlm;
using Duragent.Gateway.Http.Json;
using Duragent.Gateway.Http.Problems;

namespace Duragent.Gateway.Http.Tests;

public sealed class EventsApiTests
{
    [Fact]
    public async Task Events_PageThroughTheStoredLog()
    {
        await using var kit = await GatewayKit.StartAsync();
        kit.Llm.Enqueue(FakeResponse.Text("hello"));
        var session = await kit.CreateSessionAsync();
        using (var sent = await kit.Client.PostAsync($"api/v1/sessions/{session.SessionId}/messages?wait=true", GatewayKit.Json("""{"content":"hi"}""")))
        {
            await Http.ExpectAsync(sent, 200);
        }

        var last = (await kit.GetSessionAsync(session.SessionId)).LastSeq;

        var first = await PageAsync(kit, $"api/v1/sessions/{session.SessionId}/events?limit=3");
        var rest = await PageAsync(kit, $"api/v1/sessions/{session.SessionId}/events?after={first.NextAfter}");
        var beyond = await PageAsync(kit, $"api/v1/sessions/{session.SessionId}/events?after={last + 10}");

        Assert.Equal([1L, 2L, 3L], first.Events.Select(e => e.GetProperty("seq").GetInt64()));
        Assert.True(first.HasMore);
        Assert.Equal(3, first.NextAfter);
        Assert.Equal(Enumerable.Range(4, (int)last - 3).Select(i => (long)i), rest.Events.Select(e => e.GetProperty("seq").GetInt64()));
        Assert.False(rest.HasMore);
        Assert.Equal(last, rest.NextAfter);
        Assert.Empty(beyond.Events);
        Assert.Equal(last + 10, beyond.NextAfter);
        Assert.Equal("session_started", first.Events[0].GetProperty("type").GetString());
        Assert.All(first.Events.Concat(rest.Events), e => Assert.False(e.TryGetProperty("batch", out _)));
    }

    [Theory]
    [InlineData("after=-1", "'after'")]
    [InlineData("limit=0", "'limit'")]
    [InlineData("limit=5001", "'limit'")]
    [InlineData("after=soon", "'after'")]
    public async Task Events_Is400ForABadQuery(string query, string named)
    {
        await using var kit = await GatewayKit.StartAsync();
        var session = await kit.CreateSessionAsync();

        using var response = await kit.Client.GetAsync($"api/v1/sessions/{session.SessionId}/events?{query}");

        Assert.Contains(named, (await Http.ProblemAsync(response, 400, ProblemCodes.InvalidRequest)).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Events_Is404ForAnUnknownSession()
    {
        await using var kit = await GatewayKit.StartAsync();

        using var response = await kit.Client.GetAsync("api/v1/sessions/session_nope/events");

        await Http.ProblemAsync(response, 404, ProblemCodes.SessionNotFound);
    }

    [Fact]
    public async Task AnUnexpectedFailure_Is500WithATraceId_AndNoStackTrace()
    {
        await using var kit = await GatewayKit.StartAsync();
        await kit.CreateSessionAsync(id: "damaged");
        await using var restarted = await kit.RestartAsync(prepare: root =>
            File.WriteAllText(Path.Combine(root, ".duragent", "sessions", "damaged", "state.yaml"), "this: [is not: a snapshot"));

        using var response = await restarted.Client.GetAsync("api/v1/sessions/damaged");

        var problem = await Http.ProblemAsync(response, 500, ProblemCodes.InternalError);
        Assert.Contains("trace id", problem.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("state.yaml", problem.Detail, StringComparison.Ordinal);
        var logged = restarted.Logs.Records.Single(r => r.EventId.Id == 5001);
        Assert.NotNull(logged.Exception);
        var traceId = problem.Detail!.Split("trace id ")[1].TrimEnd(')', '.');
        Assert.Contains(traceId, logged.Message, StringComparison.Ordinal);
    }

    private static async Task<SessionEventsPage> PageAsync(GatewayKit kit, string url)
    {
        using var response = await kit.Client.GetAsync(url);
        await Http.ExpectAsync(response, 200);
        return await Http.ReadAsync(response, GatewayJsonContext.Default.SessionEventsPage);
    }
}
