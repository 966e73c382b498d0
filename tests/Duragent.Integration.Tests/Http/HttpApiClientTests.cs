using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Duragent.Integration.Tests.Cli;
using Duragent.Integration.Tests.Http;
using Duragent.Sessions;
using Duragent.Sessions.Events;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Duragent.Integration.Tests.Http;

public sealed class DuragentClientTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task SendsApiTokenToApiAndAdminTokenToAdmin()
    {
        var seen = new ConcurrentDictionary<string, string>();
        await using var server = await FakeHttpServer.StartAsync(app =>
        {
            app.MapGet("/api/v1/sessions", (HttpContext c) =>
            {
                seen["api"] = c.Request.Headers.Authorization.ToString();
                return Results.Text("""{"sessions":[]}""", "application/json");
            });
            app.MapPost("/api/admin/v1/reload", (HttpContext c) =>
            {
                seen["admin"] = c.Request.Headers.Authorization.ToString();
                return Results.Text("""{"agents":2,"errors":[]}""", "application/json");
            });
            app.MapGet("/readyz", (HttpContext c) =>
            {
                seen["health"] = c.Request.Headers.Authorization.ToString();
                return Results.Text("""{"status":"ok","workspace_hash":"abc","version":"0.1.0","pid":42}""", "application/json");
            });
        });
        using var client = new HttpApiClient(server.BaseUrl, new HttpCredentials("api-token-1234567890", "admin-token-1234567890"));

        Assert.Empty(await client.ListSessionsAsync());
        Assert.Equal(2, (await client.ReloadAgentsAsync()).Agents);
        var health = await client.GetReadinessAsync();

        Assert.Equal("Bearer api-token-1234567890", seen["api"]);
        Assert.Equal("Bearer admin-token-1234567890", seen["admin"]);
        Assert.Equal(string.Empty, seen["health"]);
        Assert.Equal(new HealthStatus("ok", "abc", "0.1.0", 42), health);
    }

    [Fact]
    public void Credentials_EnvironmentWinsOverConfig_AndToStringRedacts()
    {
        var config = Duragent.Configuration.DuragentConfig.CreateDefault("/tmp/duragent.yaml") with
        {
            Server = new Duragent.Configuration.ServerConfig { ApiToken = "config-api", AdminToken = "config-admin" },
        };
        var environment = new Dictionary<string, string> { ["DURAGENT_API_TOKEN"] = "env-api" };

        var credentials = HttpCredentials.Resolve(config, name => environment.GetValueOrDefault(name));

        Assert.Equal("env-api", credentials.ApiToken);
        Assert.Equal("config-admin", credentials.AdminToken);
        Assert.DoesNotContain("env-api", credentials.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("config-admin", credentials.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProblemJson_BecomesApiExceptionWithCodeAndDetail()
    {
        await using var server = await FakeHttpServer.StartAsync(app =>
            app.MapGet("/api/v1/sessions/{id}", (HttpContext c, string id) => FakeHttpServer.WriteProblemAsync(c, 404, "session_not_found", $"Session '{id}' does not exist.")));
        using var client = new HttpApiClient(server.BaseUrl);

        var error = await Assert.ThrowsAsync<DuragentApiException>(() => client.GetSessionAsync("session_x"));

        Assert.Equal(HttpStatusCode.NotFound, error.Status);
        Assert.Equal("session_not_found", error.Code);
        Assert.Equal("Session 'session_x' does not exist.", error.Message);
    }

    [Fact]
    public async Task Unauthorized_ExplainsWhichTokenToSet()
    {
        await using var server = await FakeHttpServer.StartAsync(app =>
            app.MapGet("/api/v1/agents", (HttpContext c) => FakeHttpServer.WriteProblemAsync(c, 401, "unauthorized", "A bearer token is required.")));
        using var client = new HttpApiClient(server.BaseUrl);

        var error = await Assert.ThrowsAsync<DuragentApiException>(() => client.ListAgentsAsync());

        Assert.Contains("DURAGENT_API_TOKEN", error.Message, StringComparison.Ordinal);
        Assert.Contains("A bearer token is required.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MessagesAndTurns_RoundTripTheSharedDtos()
    {
        string? body = null;
        string? query = null;
        await using var server = await FakeHttpServer.StartAsync(app =>
            app.MapPost("/api/v1/sessions/{id}/messages", async (HttpContext c) =>
            {
                body = await new StreamReader(c.Request.Body).ReadToEndAsync();
                query = c.Request.QueryString.Value;
                return c.Request.Query["wait"] == "true"
                    ? Results.Text("""{"turn_id":"turn_1","status":"awaiting_approval","pending_approval":{"turn_id":"turn_1","call_id":"c1","tool":"bash","command":"ls","arguments":"{}","requested_at":"2026-01-01T00:00:00Z"},"last_seq":9}""", "application/json")
                    : Results.Text("""{"message_id":"msg_1","seq":4,"turn_id":"turn_1","started_turn":true}""", "application/json", statusCode: 202);
            }));
        using var client = new HttpApiClient(server.BaseUrl);

        var accepted = await client.SendMessageAsync("session_1", "hi", "client-1");
        Assert.Equal("""{"content":"hi","client_message_id":"client-1"}""", body);
        var turn = await client.SendMessageAndWaitAsync("session_1", "and wait");

        Assert.Equal(new MessageAccepted("msg_1", 4, "turn_1", StartedTurn: true), accepted);
        Assert.Equal("?wait=true", query);
        Assert.Equal(SessionStatus.AwaitingApproval, turn.Status);
        Assert.Equal("c1", turn.PendingApproval?.CallId);
        Assert.Equal(9, turn.LastSeq);
    }

    [Fact]
    public async Task Unreachable_ThrowsServerUnavailable()
    {
        using var client = new HttpApiClient(new Uri($"http://127.0.0.1:{FreePort.Get()}/"));

        var error = await Assert.ThrowsAsync<HttpServerUnavailableException>(() => client.GetReadinessAsync());

        Assert.Contains("Cannot reach the Duragent server", error.Message, StringComparison.Ordinal);
        Assert.False(await client.IsAliveAsync());
    }

    [Fact]
    public async Task Stream_ReconnectsWithLastEventId_WithoutGapOrDuplicate()
    {
        var lastEventIds = new ConcurrentQueue<string>();
        var connections = 0;
        await using var server = await FakeHttpServer.StartAsync(app =>
            app.MapGet("/api/v1/sessions/{id}/stream", async (HttpContext c) =>
            {
                lastEventIds.Enqueue(c.Request.Headers["Last-Event-ID"].ToString() + "|attach=" + c.Request.Query["attach"]);
                var connection = Interlocked.Increment(ref connections);
                c.Response.ContentType = "text/event-stream";
                var after = long.TryParse(c.Request.Headers["Last-Event-ID"], out var id) ? id : 0;
                if (connection == 1)
                {
                    // Two events, a keep-alive, then the stream ends mid-frame (a RST would drop unread data, so the
                    // server closes cleanly; the client must treat the end as a drop either way).
                    await WriteEventAsync(c, 1, new SessionStarted("a", OnDisconnect.Pause));
                    await WriteEventAsync(c, 2, new UserMessage("msg_1", "hi"));
                    await c.Response.WriteAsync(": keep-alive\n\n");
                    await c.Response.WriteAsync("id: 3\nevent: assistant_delta\ndata: {\"seq\":3");
                    await c.Response.Body.FlushAsync();
                    return;
                }

                if (connection == 2)
                {
                    c.Response.StatusCode = 503;
                    return;
                }

                // The replay repeats event 2 (the client must drop it), then goes on.
                for (var seq = after; seq <= 4; seq++)
                {
                    if (seq >= 2)
                    {
                        await WriteEventAsync(c, seq, new AssistantDelta("turn_1", 1, $"t{seq}"));
                    }
                }

                await Task.Delay(Timeout.Infinite, c.RequestAborted);
            }));
        using var client = new HttpApiClient(server.BaseUrl);
        var disconnects = 0;
        var options = new HttpStreamOptions
        {
            AfterSeq = 0,
            InitialRetryDelay = TimeSpan.FromMilliseconds(10),
            OnDisconnected = (_, _) => Interlocked.Increment(ref disconnects),
        };
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));

        var received = new List<SessionEventEnvelope>();
        await foreach (var envelope in client.StreamEventsAsync("session_1", options, timeout.Token))
        {
            received.Add(envelope);
            if (envelope.Seq == 4)
            {
                break;
            }
        }

        Assert.Equal([1L, 2, 3, 4], received.Select(e => e.Seq));
        Assert.IsType<SessionStarted>(received[0].Event);
        Assert.Equal("t3", Assert.IsType<AssistantDelta>(received[2].Event).Text);
        Assert.Equal(["|attach=true", "2|attach=true", "2|attach=true"], lastEventIds);
        Assert.Equal(2, disconnects);
    }

    [Fact]
    public async Task Stream_GivesUpAfterMaxReconnectAttempts()
    {
        using var client = new HttpApiClient(new Uri($"http://127.0.0.1:{FreePort.Get()}/"));
        var attempts = new List<int>();
        var options = new HttpStreamOptions
        {
            MaxReconnectAttempts = 2,
            InitialRetryDelay = TimeSpan.FromMilliseconds(1),
            OnDisconnected = (_, attempt) => attempts.Add(attempt),
        };

        var error = await Assert.ThrowsAsync<IOException>(async () =>
        {
            await foreach (var _ in client.StreamEventsAsync("session_1", options))
            {
            }
        });

        Assert.Equal([1, 2], attempts);
        Assert.Contains("2 reconnection attempts failed", error.Message, StringComparison.Ordinal);
        Assert.IsType<HttpServerUnavailableException>(error.InnerException);
    }

    [Fact]
    public async Task Stream_SessionGone_EndsWithApiException()
    {
        await using var server = await FakeHttpServer.StartAsync(app =>
            app.MapGet("/api/v1/sessions/{id}/stream", (HttpContext c) => FakeHttpServer.WriteProblemAsync(c, 404, "session_not_found", "gone")));
        using var client = new HttpApiClient(server.BaseUrl);

        var error = await Assert.ThrowsAsync<DuragentApiException>(async () =>
        {
            await foreach (var _ in client.StreamEventsAsync("session_1", new HttpStreamOptions()))
            {
            }
        });

        Assert.Equal("session_not_found", error.Code);
    }

    [Fact]
    public async Task EventsPage_KeepsEachStoredLineExactly()
    {
        var line1 = Encoding.UTF8.GetString(SessionJson.SerializeEnvelope(1, Now, new SessionStarted("a", OnDisconnect.Continue)));
        var line2 = Encoding.UTF8.GetString(SessionJson.SerializeEnvelope(2, Now, new UserMessage("msg_1", "héllo \"x\"")));
        await using var server = await FakeHttpServer.StartAsync(app =>
            app.MapGet("/api/v1/sessions/{id}/events", () => Results.Text($$"""{"events":[{{line1}},{{line2}}],"next_after":2,"has_more":false}""", "application/json")));
        using var client = new HttpApiClient(server.BaseUrl);

        var page = await client.GetEventsAsync("session_1", 0);

        Assert.Equal(2, page.NextAfter);
        Assert.False(page.HasMore);
        Assert.Equal([line1, line2], page.Events.Select(e => Encoding.UTF8.GetString(e.Json.Span)));
        Assert.Equal("héllo \"x\"", Assert.IsType<UserMessage>(page.Events[1].Event).Content);
    }

    private static async Task WriteEventAsync(HttpContext context, long seq, SessionEvent sessionEvent)
    {
        var json = Encoding.UTF8.GetString(SessionJson.SerializeEnvelope(seq, Now, sessionEvent));
        await context.Response.WriteAsync($"id: {seq}\nevent: {SessionEventTypes.NameOf(sessionEvent)}\ndata: {json}\n\n");
        await context.Response.Body.FlushAsync();
    }
}
