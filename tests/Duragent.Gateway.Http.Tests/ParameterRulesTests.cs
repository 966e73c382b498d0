using System.Net.Http.Headers;
using System.Text;
using Duragent.Gateway.Http.Problems;

namespace Duragent.Gateway.Http.Tests;

/// <summary>Charsets, encodings, query parameters and field lengths that must get a 4xx naming what is wrong.</summary>
public sealed class ParameterRulesTests
{
    [Theory]
    [InlineData("utf-16")]
    [InlineData("iso-8859-1")]
    public async Task AJsonBodyInAnotherCharset_Is415NamingIt(string charset)
    {
        await using var kit = await GatewayKit.StartAsync();
        var before = kit.StorageFingerprint();
        var content = new ByteArrayContent(Encoding.Unicode.GetBytes("""{"agent":"assistant"}"""));
        content.Headers.ContentType = MediaTypeHeaderValue.Parse($"application/json; charset={charset}");

        using var response = await kit.Client.PostAsync("api/v1/sessions", content);

        var problem = await Http.ProblemAsync(response, 415, ProblemCodes.UnsupportedMediaType);
        Assert.Contains(charset, problem.Detail, StringComparison.Ordinal);
        Assert.Contains("UTF-8", problem.Detail, StringComparison.Ordinal);
        Assert.Equal(before, kit.StorageFingerprint());
    }

    [Theory]
    [InlineData("utf-8")]
    [InlineData("UTF8")]
    [InlineData("\"utf-8\"")]
    public async Task AJsonBodyDeclaredUtf8_IsAccepted(string charset)
    {
        await using var kit = await GatewayKit.StartAsync();
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes("""{"agent":"assistant"}"""));
        content.Headers.TryAddWithoutValidation("Content-Type", $"application/json; charset={charset}");

        using var response = await kit.Client.PostAsync("api/v1/sessions", content);

        await Http.ExpectAsync(response, 201);
    }

    [Fact]
    public async Task ALatin1Body_Is400SayingItIsNotUtf8()
    {
        await using var kit = await GatewayKit.StartAsync();
        var session = await kit.CreateSessionAsync();
        var before = kit.StorageFingerprint();
        var content = new ByteArrayContent(Encoding.Latin1.GetBytes("{\"content\":\"caf\u00e9\"}"));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        using var response = await kit.Client.PostAsync($"api/v1/sessions/{session.SessionId}/messages", content);

        var problem = await Http.ProblemAsync(response, 400, ProblemCodes.InvalidRequest);
        Assert.Contains("not valid UTF-8", problem.Detail, StringComparison.Ordinal);
        Assert.Contains("offset 15", problem.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong type", problem.Detail, StringComparison.Ordinal);
        Assert.Equal(before, kit.StorageFingerprint());
    }

    [Theory]
    [InlineData("api/v1/sessions/.")]
    [InlineData("api/v1/sessions/./")]
    [InlineData("api/v1/sessions/%2E")]
    [InlineData("api/v1/sessions/x/..")]
    public async Task ADotSegmentInTheSessionPath_Is400_NotTheSessionList(string path)
    {
        await using var kit = await GatewayKit.StartAsync();
        await kit.CreateSessionAsync();
        var uri = new Uri(kit.BaseAddress + path, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });

        using var response = await kit.Client.GetAsync(uri);

        Assert.Contains("'.' or '..' segment", (await Http.ProblemAsync(response, 400, ProblemCodes.InvalidRequest)).Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("a/b")]
    [InlineData("")]
    public async Task AnInvalidAgentFilter_Is400NamingTheParameter(string agent)
    {
        await using var kit = await GatewayKit.StartAsync();

        using var response = await kit.Client.GetAsync("api/v1/sessions?agent=" + Uri.EscapeDataString(agent));

        Assert.Contains("'agent'", (await Http.ProblemAsync(response, 400, ProblemCodes.InvalidId)).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AClientMessageIdOver200Characters_Is400NamingTheField_And200Pass()
    {
        await using var kit = await GatewayKit.StartAsync();
        var session = await kit.CreateSessionAsync();
        var before = kit.StorageFingerprint();

        using var tooLong = await kit.Client.PostAsync($"api/v1/sessions/{session.SessionId}/messages",
            GatewayKit.Json($$"""{"content":"hi","client_message_id":"{{new string('x', 10_000)}}"}"""));
        var problem = await Http.ProblemAsync(tooLong, 400, ProblemCodes.InvalidRequest);
        Assert.Contains("client_message_id", problem.Detail, StringComparison.Ordinal);
        Assert.Contains("200", problem.Detail, StringComparison.Ordinal);
        Assert.Equal(before, kit.StorageFingerprint());

        kit.Llm.Enqueue(Duragent.FakeLlm.FakeResponse.Text("ok"));
        using var longest = await kit.Client.PostAsync($"api/v1/sessions/{session.SessionId}/messages",
            GatewayKit.Json($$"""{"content":"hi","client_message_id":"{{new string('x', 200)}}"}"""));
        await Http.ExpectAsync(longest, 202);
    }

    [Fact]
    public async Task AnIpv4MappedLoopbackHost_BindsTheIpv4Loopback()
    {
        await using var kit = await GatewayKit.StartAsync(host: "::ffff:127.0.0.1");

        using var live = await kit.Client.GetAsync("livez");
        using var list = await kit.Client.GetAsync("api/v1/sessions");

        Assert.Equal("127.0.0.1", kit.BaseAddress.Host);
        await Http.ExpectAsync(live, 200);
        await Http.ExpectAsync(list, 200);
    }
}
