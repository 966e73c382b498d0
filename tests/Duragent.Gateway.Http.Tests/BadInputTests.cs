using System.Net.Http.Headers;
using System.Text;
using Duragent.Gateway.Http.Problems;

namespace Duragent.Gateway.Http.Tests;

public sealed class BadInputTests
{
    [Theory]
    [InlineData("""{"content":"hi",}""", "line 1, byte 17")]
    [InlineData("{\n  \"content\": \"hi\"\n  \"sender_id\": \"x\"\n}", "line 3, byte 3")]
    [InlineData("""{"content":"unterminated""", "line 1")]
    [InlineData("", "empty")]
    public async Task MalformedJson_Is400NamingThePosition_AndStoresNothing(string body, string expected)
    {
        await using var kit = await GatewayKit.StartAsync();
        var session = await kit.CreateSessionAsync();
        var before = kit.StorageFingerprint();

        using var response = await kit.Client.PostAsync($"api/v1/sessions/{session.SessionId}/messages", GatewayKit.Json(body));

        var problem = await Http.ProblemAsync(response, 400, ProblemCodes.MalformedJson);
        Assert.Contains(expected, problem.Detail, StringComparison.Ordinal);
        Assert.Equal(before, kit.StorageFingerprint());
    }

    [Theory]
    [InlineData("[1,2]", "not an array")]
    [InlineData("\"hi\"", "not a string")]
    [InlineData("null", "not null")]
    public async Task ABodyThatIsNotAnObject_Is400(string body, string expected)
    {
        await using var kit = await GatewayKit.StartAsync();

        using var response = await kit.Client.PostAsync("api/v1/sessions", GatewayKit.Json(body));

        Assert.Contains(expected, (await Http.ProblemAsync(response, 400, ProblemCodes.InvalidRequest)).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ATenMegabyteBody_Is413NamingTheLimit_AndStoresNothing()
    {
        await using var kit = await GatewayKit.StartAsync();
        var session = await kit.CreateSessionAsync();
        var before = kit.StorageFingerprint();
        var huge = "{\"content\":\"" + new string('x', 10 * 1024 * 1024) + "\"}";

        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/v1/sessions/{session.SessionId}/messages") { Content = GatewayKit.Json(huge) };
        request.Headers.ExpectContinue = true;
        using var response = await kit.Client.SendAsync(request);

        var problem = await Http.ProblemAsync(response, 413, ProblemCodes.BodyTooLarge);
        Assert.Contains("2097152", problem.Detail, StringComparison.Ordinal);
        Assert.Equal(before, kit.StorageFingerprint());
    }

    [Fact]
    public async Task ATenMegabyteBodyWithoutExpectContinue_Is413BeforeTheBodyIsRead()
    {
        await using var kit = await GatewayKit.StartAsync();
        var session = await kit.CreateSessionAsync();
        var before = kit.StorageFingerprint();
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(kit.BaseAddress.Host, kit.BaseAddress.Port);
        var stream = tcp.GetStream();

        // The answer comes while the client is still sending: the server refuses on the declared length alone.
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"POST /api/v1/sessions/{session.SessionId}/messages HTTP/1.1\r\nHost: {kit.BaseAddress.Authority}\r\nAuthorization: Bearer {kit.GeneratedToken}\r\nContent-Type: application/json\r\nContent-Length: {10 * 1024 * 1024}\r\n\r\n{{\"content\":\"xxxx"));
        var response = await ReadResponseAsync(stream).WaitFor("the server to refuse the body");

        Assert.StartsWith("HTTP/1.1 413 ", response, StringComparison.Ordinal);
        Assert.Contains("\"code\":\"body_too_large\"", response, StringComparison.Ordinal);
        Assert.Contains("10485760 bytes", response, StringComparison.Ordinal);
        Assert.Equal(before, kit.StorageFingerprint());
    }

    [Fact]
    public async Task AChunkedBodyOverTheLimit_Is413_AndStoresNothing()
    {
        await using var kit = await GatewayKit.StartAsync(server: ["max_body_bytes: 1000"]);
        var session = await kit.CreateSessionAsync();
        var before = kit.StorageFingerprint();
        var body = Encoding.UTF8.GetBytes("{\"content\":\"" + new string('x', 5000) + "\"}");
        var content = new StreamContent(new UnseekableStream(body));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        using var response = await kit.Client.PostAsync($"api/v1/sessions/{session.SessionId}/messages", content);

        var problem = await Http.ProblemAsync(response, 413, ProblemCodes.BodyTooLarge);
        Assert.Contains("1000", problem.Detail, StringComparison.Ordinal);
        Assert.Equal(before, kit.StorageFingerprint());
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData(null)]
    public async Task AWrongContentType_Is415_AndStoresNothing(string? contentType)
    {
        await using var kit = await GatewayKit.StartAsync();
        var session = await kit.CreateSessionAsync();
        var before = kit.StorageFingerprint();
        var content = new ByteArrayContent("""{"content":"hi"}"""u8.ToArray());
        if (contentType is not null)
        {
            content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        }

        using var response = await kit.Client.PostAsync($"api/v1/sessions/{session.SessionId}/messages", content);

        var problem = await Http.ProblemAsync(response, 415, ProblemCodes.UnsupportedMediaType);
        Assert.Contains("application/json", problem.Detail, StringComparison.Ordinal);
        Assert.Equal(before, kit.StorageFingerprint());
    }

    [Fact]
    public async Task JsonWithACharsetOrAPlusJsonType_IsAccepted()
    {
        await using var kit = await GatewayKit.StartAsync();
        var content = new StringContent("""{"agent":"assistant"}""", Encoding.UTF8);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/vnd.duragent+json; charset=utf-8");

        using var response = await kit.Client.PostAsync("api/v1/sessions", content);

        await Http.ExpectAsync(response, 201);
    }

    [Theory]
    [InlineData("api/v1/sessions/%2E%2E%2Fescape", "must start with a letter or a digit")]
    [InlineData("api/v1/sessions/a%01b", "U+0001")]
    [InlineData("api/v1/sessions/a..b", "'..'")]
    [InlineData("api/v1/sessions/a%20b", "' '")]
    [InlineData("api/v1/sessions/a%5Cb/messages", "'\\'")]
    [InlineData("api/v1/sessions/a%2Fb/stream", "'%'")]
    public async Task AnInvalidIdInThePath_Is400NamingTheRule_AndTouchesNothing(string path, string rule)
    {
        await using var kit = await GatewayKit.StartAsync();
        var before = kit.StorageFingerprint();
        var uri = new Uri(kit.BaseAddress + path, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });

        using var get = await kit.Client.GetAsync(uri);
        using var delete = await kit.Client.DeleteAsync(uri);

        var problem = await Http.ProblemAsync(get, 400, ProblemCodes.InvalidId);
        Assert.Contains(rule, problem.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("\u0001", problem.Detail, StringComparison.Ordinal);
        Assert.True((int)delete.StatusCode is 400 or 405);
        Assert.Equal(before, kit.StorageFingerprint());
    }

    [Fact]
    public async Task DotSegmentsInThePath_Are400_AndReachNoSession()
    {
        await using var kit = await GatewayKit.StartAsync();
        var before = kit.StorageFingerprint();
        var uri = new Uri(kit.BaseAddress + "api/v1/sessions/../../../etc/passwd", new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });

        using var response = await kit.Client.GetAsync(uri);

        await Http.ProblemAsync(response, 400, ProblemCodes.InvalidRequest);
        Assert.Equal(before, kit.StorageFingerprint());
    }

    [Theory]
    [InlineData("api/v1/nothing")]
    [InlineData("api/v1/sessions/s1/nothing")]
    [InlineData("nothing")]
    public async Task AnUnknownRoute_Is404(string path)
    {
        await using var kit = await GatewayKit.StartAsync();

        using var response = await kit.Client.GetAsync(path);

        var problem = await Http.ProblemAsync(response, 404, ProblemCodes.NotFound);
        Assert.Contains("/" + path, problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AWrongMethod_Is405NamingTheAllowedOnes()
    {
        await using var kit = await GatewayKit.StartAsync();

        using var response = await kit.Client.PutAsync("api/v1/sessions", GatewayKit.Json("{}"));

        var problem = await Http.ProblemAsync(response, 405, ProblemCodes.MethodNotAllowed);
        Assert.Contains("GET", problem.Detail, StringComparison.Ordinal);
        Assert.Contains("POST", problem.Detail, StringComparison.Ordinal);
        Assert.Contains("GET", response.Content.Headers.Allow);
    }

    [Fact]
    public async Task ABodyThatStalls_Is504AfterTheRequestTimeout_AndStoresNothing()
    {
        await using var kit = await GatewayKit.StartAsync(gateway: o => o.RequestTimeout = TimeSpan.FromMilliseconds(200));
        var before = kit.StorageFingerprint();
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(kit.BaseAddress.Host, kit.BaseAddress.Port);
        var stream = tcp.GetStream();

        // Headers promise 100 bytes; the body stops after ten of them.
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"POST /api/v1/sessions HTTP/1.1\r\nHost: {kit.BaseAddress.Authority}\r\nAuthorization: Bearer {kit.GeneratedToken}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"agent\":"));
        var response = await ReadResponseAsync(stream).WaitFor("the server to answer a stalled body");

        Assert.StartsWith("HTTP/1.1 504 ", response, StringComparison.Ordinal);
        Assert.Contains("Content-Type: application/problem+json", response, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("\"code\":\"timeout\"", response, StringComparison.Ordinal);
        Assert.Contains("server.request_timeout_seconds", response, StringComparison.Ordinal);
        Assert.DoesNotContain("internal_error", response, StringComparison.Ordinal);
        Assert.Equal(before, kit.StorageFingerprint());
    }

    // Reads one response (headers and a Content-Length or chunked body) as text.
    private static async Task<string> ReadResponseAsync(Stream stream)
    {
        var text = new StringBuilder();
        var buffer = new byte[4096];
        while (true)
        {
            var read = await stream.ReadAsync(buffer);
            if (read == 0)
            {
                return text.ToString();
            }

            text.Append(Encoding.UTF8.GetString(buffer, 0, read));
            var all = text.ToString();
            var split = all.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (split >= 0 && (all.EndsWith("}", StringComparison.Ordinal) || all.EndsWith("0\r\n\r\n", StringComparison.Ordinal)))
            {
                return all;
            }
        }
    }

    /// <summary>A stream without a length, so the body is sent chunked.</summary>
    private sealed class UnseekableStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
