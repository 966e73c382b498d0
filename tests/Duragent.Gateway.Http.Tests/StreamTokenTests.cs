using System.Text.Json;
using Duragent.Gateway.Http.Auth;
using Duragent.Gateway.Http.Hosting;
using Duragent.Gateway.Http.Problems;
using Duragent.Testing;
using Microsoft.Extensions.Options;

namespace Duragent.Gateway.Http.Tests;

public sealed class StreamTokenTests
{
    private const string ApiToken = "api-token-0123456789abcdef";

    [Fact]
    public async Task StreamToken_OpensThatSessionsStream_WithoutAHeader()
    {
        await using var kit = await GatewayKit.StartAsync(server: [$"api_token: {ApiToken}"]);
        using var api = kit.NewClient(ApiToken);
        var session = await CreateAsync(api);
        var other = await CreateAsync(api);

        using var issued = await api.PostAsync($"api/v1/sessions/{session}/stream-token", null);
        await Http.ExpectAsync(issued, 200);
        var body = await Http.JsonAsync(issued);
        var token = body.GetProperty("token").GetString()!;
        var expiresAt = body.GetProperty("expires_at").GetDateTimeOffset();
        using var anonymous = kit.NewClient();
        using var stream = await anonymous.GetAsync($"api/v1/sessions/{session}/stream?stream_token={Uri.EscapeDataString(token)}", HttpCompletionOption.ResponseHeadersRead);
        using var otherSession = await anonymous.GetAsync($"api/v1/sessions/{other}/stream?stream_token={Uri.EscapeDataString(token)}", HttpCompletionOption.ResponseHeadersRead);
        using var otherRoute = await anonymous.GetAsync($"api/v1/sessions/{session}/events?stream_token={Uri.EscapeDataString(token)}");
        using var tampered = await anonymous.GetAsync($"api/v1/sessions/{session}/stream?stream_token={Uri.EscapeDataString(Tamper(token))}", HttpCompletionOption.ResponseHeadersRead);
        using var notIssuedAnonymously = await anonymous.PostAsync($"api/v1/sessions/{session}/stream-token", null);

        Assert.InRange(expiresAt - DateTimeOffset.UtcNow, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(61));
        await Http.ExpectAsync(stream, 200);
        Assert.Equal("text/event-stream", stream.Content.Headers.ContentType?.MediaType);
        Assert.Contains("stream_token", (await Http.ProblemAsync(otherSession, 401, ProblemCodes.Unauthorized)).Detail, StringComparison.Ordinal);
        await Http.ProblemAsync(otherRoute, 401, ProblemCodes.Unauthorized);
        await Http.ProblemAsync(tampered, 401, ProblemCodes.Unauthorized);
        await Http.ProblemAsync(notIssuedAnonymously, 401, ProblemCodes.Unauthorized);
        // The gateway never logs it (the framework's request log, at Information, shows URLs: docs/api.md says so).
        Assert.DoesNotContain(kit.Logs.Records, r => !r.Category.StartsWith("Microsoft.", StringComparison.Ordinal) && r.Message.Contains(token, StringComparison.Ordinal));
    }

    [Fact]
    public async Task StreamToken_IsRefusedForAnUnknownSession()
    {
        await using var kit = await GatewayKit.StartAsync(server: [$"api_token: {ApiToken}"]);
        using var api = kit.NewClient(ApiToken);

        using var issued = await api.PostAsync("api/v1/sessions/no-such-session/stream-token", null);

        await Http.ProblemAsync(issued, 404, ProblemCodes.SessionNotFound);
    }

    [Fact]
    public void StreamTokens_ExpireAfterTheirLifetime_AndDieWithTheProcessKey()
    {
        var clock = new FakeTimeProvider();
        var options = Options.Create(new GatewayOptions { StreamTokenLifetime = TimeSpan.FromSeconds(60) });
        var tokens = new StreamTokens(options, clock);
        var (token, expiresAt) = tokens.Issue("s1");

        Assert.Equal(clock.GetUtcNow().AddSeconds(60), expiresAt);
        Assert.True(tokens.Validate("s1", token));
        Assert.False(tokens.Validate("s2", token));
        Assert.False(new StreamTokens(options, clock).Validate("s1", token));
        clock.Advance(TimeSpan.FromSeconds(59));
        Assert.True(tokens.Validate("s1", token));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.False(tokens.Validate("s1", token));
        Assert.False(tokens.Validate("s1", null));
        Assert.False(tokens.Validate("s1", "99999999999." + token.Split('.')[1]));
        Assert.False(tokens.Validate("s1", "garbage"));
    }

    private static string Tamper(string token)
    {
        // A character in the middle of the signature: the last one carries padding bits a decoder may ignore.
        var at = token.IndexOf('.', StringComparison.Ordinal) + 10;
        return token[..at] + (token[at] == 'A' ? 'B' : 'A') + token[(at + 1)..];
    }

    private static async Task<string> CreateAsync(HttpClient api)
    {
        using var response = await api.PostAsync("api/v1/sessions", GatewayKit.Json("""{"agent":"assistant"}"""));
        await Http.ExpectAsync(response, 201);
        return (await Http.JsonAsync(response)).GetProperty("session_id").GetString()!;
    }
}
