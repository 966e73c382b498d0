using System.Net;
using System.Text;
using Duragent.FakeLlm;
using Duragent.Gateway.Http.Problems;
using Duragent.Sessions;

namespace Duragent.Gateway.Http.Tests;

/// <summary>
/// The browser guard of a token-less server, driven with raw requests that carry what a hostile page's requests carry
/// (a rebinding Host, a foreign Origin, Sec-Fetch-Site, CORS preflights). The same attacks from a real browser are in
/// <see cref="BrowserAttackTests"/>.
/// </summary>
public sealed class BrowserGuardTests
{
    [Theory]
    [InlineData("evil.test:{port}")]
    [InlineData("evil.test")]
    [InlineData("127.0.0.1:{other}")]
    [InlineData("localhost.evil.test:{port}")]
    [InlineData("10.0.0.1:{port}")]
    public async Task TokenlessServer_RefusesAForeignHost_AndChangesNothing(string host)
    {
        await using var kit = await GatewayKit.StartAsync();
        var port = kit.BaseAddress.Port;
        var presented = host.Replace("{port}", port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{other}", (port == 65535 ? 1 : port + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        var before = kit.StorageFingerprint();

        using var create = await SendAsync(kit, HttpMethod.Post, "api/v1/sessions", presented, body: """{"agent":"assistant"}""");
        using var list = await SendAsync(kit, HttpMethod.Get, "api/v1/sessions", presented);
        using var shutdown = await SendAsync(kit, HttpMethod.Post, "api/admin/v1/shutdown", presented);
        using var version = await SendAsync(kit, HttpMethod.Get, "version", presented);
        using var live = await SendAsync(kit, HttpMethod.Get, "livez", presented);

        var problem = await Http.ProblemAsync(create, 403, ProblemCodes.HostNotAllowed);
        Assert.Contains("Host", problem.Detail, StringComparison.Ordinal);
        await Http.ProblemAsync(list, 403, ProblemCodes.HostNotAllowed);
        await Http.ProblemAsync(shutdown, 403, ProblemCodes.HostNotAllowed);
        await Http.ProblemAsync(version, 403, ProblemCodes.HostNotAllowed);
        await Http.ExpectAsync(live, 200);
        Assert.Equal(before, kit.StorageFingerprint());
        Assert.False(kit.App.Lifetime.ApplicationStopping.IsCancellationRequested);
    }

    [Theory]
    [InlineData("127.0.0.1:{port}")]
    [InlineData("127.8.9.10:{port}")]
    [InlineData("localhost:{port}")]
    [InlineData("LOCALHOST:{port}")]
    [InlineData("[::1]:{port}")]
    [InlineData("[::ffff:127.0.0.1]:{port}")]
    public async Task TokenlessServer_ServesLoopbackHostsWithItsPort(string host)
    {
        await using var kit = await GatewayKit.StartAsync();

        using var list = await SendAsync(kit, HttpMethod.Get, "api/v1/sessions", host.Replace("{port}", kit.BaseAddress.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));

        await Http.ExpectAsync(list, 200);
    }

    [Fact]
    public async Task ServerWithAToken_ServesAnyHost()
    {
        const string token = "api-token-0123456789abcdef";
        await using var kit = await GatewayKit.StartAsync(server: [$"api_token: {token}"]);

        using var list = await SendAsync(kit, HttpMethod.Get, "api/v1/sessions", "duragent.example.com", token: token);

        await Http.ExpectAsync(list, 200);
    }

    [Theory]
    [InlineData("Origin", "http://127.0.0.1:1")]
    [InlineData("Origin", "http://evil.test")]
    [InlineData("Origin", "null")]
    [InlineData("Sec-Fetch-Site", "cross-site")]
    [InlineData("Sec-Fetch-Site", "same-site")]
    public async Task TokenlessServer_RefusesCrossOriginStateChanges(string header, string value)
    {
        await using var kit = await GatewayKit.StartAsync(onDisconnect: "pause");
        var gate = new FakeGate();
        kit.Llm.Enqueue(FakeResponse.Text("a", "b").WithGate(gate, 1));
        var session = await kit.CreateSessionAsync();
        await kit.SendAsync(session.SessionId, "go");
        await gate.WaitReachedAsync(GatewayKit.Wait);

        using var cancel = await SendAsync(kit, HttpMethod.Post, $"api/v1/sessions/{session.SessionId}/cancel", headers: [(header, value)]);
        using var create = await SendAsync(kit, HttpMethod.Post, "api/v1/sessions", body: """{"agent":"assistant"}""", headers: [(header, value)]);
        using var shutdown = await SendAsync(kit, HttpMethod.Post, "api/admin/v1/shutdown", headers: [(header, value)]);
        using var stream = await SendAsync(kit, HttpMethod.Get, $"api/v1/sessions/{session.SessionId}/stream", headers: [(header, value)]);

        var problem = await Http.ProblemAsync(cancel, 403, ProblemCodes.CrossOriginRefused);
        Assert.Contains(header, problem.Detail, StringComparison.Ordinal);
        Assert.Contains("server.cors_origins", problem.Detail, StringComparison.Ordinal);
        await Http.ProblemAsync(create, 403, ProblemCodes.CrossOriginRefused);
        await Http.ProblemAsync(shutdown, 403, ProblemCodes.CrossOriginRefused);
        await Http.ProblemAsync(stream, 403, ProblemCodes.CrossOriginRefused);
        using var sessions = await kit.Client.GetAsync("api/v1/sessions");
        Assert.Single((await Http.JsonAsync(sessions)).GetProperty("sessions").EnumerateArray());
        Assert.False(kit.App.Lifetime.ApplicationStopping.IsCancellationRequested);
        var info = await kit.GetSessionAsync(session.SessionId);
        Assert.Equal(SessionStatus.Running, info.Status);
        Assert.Equal(0, info.AttachedClients);
        gate.Release();
    }

    [Fact]
    public async Task TokenlessServer_ServesItsOwnOrigin_AndSameOriginFetches()
    {
        await using var kit = await GatewayKit.StartAsync();
        var own = $"http://{kit.BaseAddress.Authority}";

        using var create = await SendAsync(kit, HttpMethod.Post, "api/v1/sessions", body: """{"agent":"assistant"}""", headers: [("Origin", own), ("Sec-Fetch-Site", "same-origin")]);
        using var typed = await SendAsync(kit, HttpMethod.Get, "api/v1/sessions", headers: [("Sec-Fetch-Site", "none")]);

        await Http.ExpectAsync(create, 201);
        await Http.ExpectAsync(typed, 200);
    }

    [Fact]
    public async Task CorsPreflight_IsRefusedWithAProblem_WhenNoOriginIsConfigured()
    {
        await using var kit = await GatewayKit.StartAsync();

        using var preflight = await SendAsync(kit, HttpMethod.Options, "api/v1/sessions", headers: [("Origin", "http://127.0.0.1:1"), ("Access-Control-Request-Method", "POST"), ("Access-Control-Request-Headers", "content-type")]);

        var problem = await Http.ProblemAsync(preflight, 403, ProblemCodes.CrossOriginRefused);
        Assert.Contains("server.cors_origins", problem.Detail, StringComparison.Ordinal);
        Assert.False(preflight.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task CorsOrigins_AreAnsweredForThoseOriginsOnly()
    {
        const string allowed = "http://localhost:5173";
        await using var kit = await GatewayKit.StartAsync(server: ["cors_origins: [\"" + allowed + "\"]"]);

        using var preflight = await SendAsync(kit, HttpMethod.Options, "api/v1/sessions", headers: [("Origin", allowed), ("Access-Control-Request-Method", "POST"), ("Access-Control-Request-Headers", "content-type")]);
        using var create = await SendAsync(kit, HttpMethod.Post, "api/v1/sessions", body: """{"agent":"assistant"}""", headers: [("Origin", allowed), ("Sec-Fetch-Site", "same-site")]);
        using var other = await SendAsync(kit, HttpMethod.Options, "api/v1/sessions", headers: [("Origin", "http://localhost:5174"), ("Access-Control-Request-Method", "POST")]);
        using var otherPost = await SendAsync(kit, HttpMethod.Post, "api/v1/sessions", body: """{"agent":"assistant"}""", headers: [("Origin", "http://localhost:5174")]);

        Assert.True(preflight.StatusCode is HttpStatusCode.NoContent or HttpStatusCode.OK, $"preflight answered {(int)preflight.StatusCode}");
        Assert.Equal(allowed, preflight.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("POST", preflight.Headers.GetValues("Access-Control-Allow-Methods").Single(), StringComparison.Ordinal);
        await Http.ExpectAsync(create, 201);
        Assert.Equal(allowed, create.Headers.GetValues("Access-Control-Allow-Origin").Single());
        await Http.ProblemAsync(other, 403, ProblemCodes.CrossOriginRefused);
        await Http.ProblemAsync(otherPost, 403, ProblemCodes.CrossOriginRefused);
    }

    [Fact]
    public async Task AFollowerThatNeverGotAnEvent_IsNotAttached_AndItsLeavingDoesNotPause()
    {
        await using var kit = await GatewayKit.StartAsync(onDisconnect: "pause");
        var gate = new FakeGate();
        kit.Llm.Enqueue(FakeResponse.Text("a", "b").WithGate(gate, 0));
        var session = await kit.CreateSessionAsync();
        await using var observer = await SseClient.OpenAsync(kit, session.SessionId, "?attach=false");
        await kit.SendAsync(session.SessionId, "go");
        await gate.WaitReachedAsync(GatewayKit.Wait);
        await observer.ReadUntilAsync("llm_call_started");
        var last = (await kit.GetSessionAsync(session.SessionId)).LastSeq;

        // Opened after the last event while the turn waits: nothing to send, so the follower gets no event.
        var closed = kit.Logs.WaitForAsync(r => r.EventId.Id == 5007);
        var follower = await SseClient.OpenAsync(kit, session.SessionId, lastEventId: last);
        Assert.Equal(0, (await kit.GetSessionAsync(session.SessionId)).AttachedClients);
        await follower.DisposeAsync();
        await closed.WaitFor("the server to see the follower go away");
        gate.Release();

        await observer.ReadUntilAsync("turn_completed");
        Assert.DoesNotContain(observer.Received, e => e.EventType == "status_changed" && e.Data.Contains("\"to\":\"paused\"", StringComparison.Ordinal));
        Assert.Equal(SessionStatus.Active, (await kit.GetSessionAsync(session.SessionId)).Status);
    }

    [Fact]
    public async Task Stream_StartsWithARetryDelay()
    {
        await using var kit = await GatewayKit.StartAsync();
        var session = await kit.CreateSessionAsync();
        using var client = kit.NewClient();

        using var response = await client.GetAsync($"api/v1/sessions/{session.SessionId}/stream", HttpCompletionOption.ResponseHeadersRead);
        await using var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[64];
        var read = await body.ReadAtLeastAsync(buffer, "retry: 3000\n\n".Length).AsTask().WaitFor("the first bytes of the stream");

        Assert.StartsWith("retry: 3000\n\n", Encoding.UTF8.GetString(buffer, 0, read), StringComparison.Ordinal);
    }

    internal static async Task<HttpResponseMessage> SendAsync(
        GatewayKit kit,
        HttpMethod method,
        string path,
        string? host = null,
        string? body = null,
        (string Name, string Value)[]? headers = null,
        string? token = null)
    {
        using var client = kit.NewClient(token);
        using var request = new HttpRequestMessage(method, path);
        if (host is not null)
        {
            request.Headers.Host = host;
        }

        if (body is not null)
        {
            request.Content = GatewayKit.Json(body);
        }

        foreach (var (name, value) in headers ?? [])
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }
}
