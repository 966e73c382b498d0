using System.Text.Json;

namespace Duragent.Gateway.Http.Tests;

public sealed class OpenApiTests
{
    private static readonly (string Path, string Method)[] Routes =
    [
        ("/livez", "get"), ("/readyz", "get"), ("/version", "get"),
        ("/api/v1/agents", "get"), ("/api/v1/agents/{name}", "get"),
        ("/api/v1/sessions", "get"), ("/api/v1/sessions", "post"),
        ("/api/v1/sessions/{id}", "get"), ("/api/v1/sessions/{id}", "delete"),
        ("/api/v1/sessions/{id}/messages", "get"), ("/api/v1/sessions/{id}/messages", "post"),
        ("/api/v1/sessions/{id}/events", "get"), ("/api/v1/sessions/{id}/stream", "get"), ("/api/v1/sessions/{id}/stream-token", "post"),
        ("/api/v1/sessions/{id}/approvals", "post"), ("/api/v1/sessions/{id}/cancel", "post"), ("/api/v1/sessions/{id}/resume", "post"),
        ("/api/v1/schedules", "get"), ("/api/v1/schedules", "post"),
        ("/api/v1/schedules/{id}", "get"), ("/api/v1/schedules/{id}", "put"), ("/api/v1/schedules/{id}", "delete"),
        ("/api/v1/schedules/{id}/pause", "post"), ("/api/v1/schedules/{id}/resume", "post"), ("/api/v1/schedules/{id}/run", "post"),
        ("/api/v1/schedules/{id}/runs", "get"),
        ("/api/admin/v1/shutdown", "post"), ("/api/admin/v1/reload", "post"), ("/api/admin/v1/reload-agents", "post"),
    ];

    [Fact]
    public async Task Document_DescribesEveryRoute_WithoutAuthentication()
    {
        await using var kit = await GatewayKit.StartAsync(server: ["api_token: the-api-token-0123456789", "admin_token: the-admin-token-0123456789"]);

        var doc = await DocumentAsync(kit);

        Assert.StartsWith("3.", doc.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        Assert.Equal("Duragent HTTP API", doc.GetProperty("info").GetProperty("title").GetString());
        var paths = doc.GetProperty("paths");
        foreach (var (path, method) in Routes)
        {
            Assert.True(paths.TryGetProperty(path, out var item), $"{path} is missing");
            Assert.True(item.TryGetProperty(method, out var operation), $"{method} {path} is missing");
            Assert.True(operation.TryGetProperty("responses", out _), $"{method} {path} has no responses");
            var secured = operation.TryGetProperty("security", out _);
            Assert.Equal(path.StartsWith("/api/", StringComparison.Ordinal), secured);
        }

        var declared = paths.EnumerateObject().SelectMany(p => p.Value.EnumerateObject().Select(m => (p.Name, m.Name))).ToHashSet();
        Assert.Equal(Routes.ToHashSet(), declared);
        Assert.Equal("bearer", doc.GetProperty("components").GetProperty("securitySchemes").GetProperty("bearer").GetProperty("scheme").GetString());
    }

    [Fact]
    public async Task Document_HasRequestResponseAndProblemSchemas_InSnakeCase()
    {
        await using var kit = await GatewayKit.StartAsync();

        var doc = await DocumentAsync(kit);

        var create = doc.GetProperty("paths").GetProperty("/api/v1/sessions").GetProperty("post");
        Assert.Equal("#/components/schemas/CreateSessionRequest", create.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString());
        var responses = create.GetProperty("responses");
        Assert.Equal("#/components/schemas/SessionInfo", responses.GetProperty("201").GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString());
        foreach (var status in new[] { "400", "404", "409", "413", "415", "422" })
        {
            Assert.Equal("#/components/schemas/ProblemBody", responses.GetProperty(status).GetProperty("content").GetProperty("application/problem+json").GetProperty("schema").GetProperty("$ref").GetString());
        }

        var schemas = doc.GetProperty("components").GetProperty("schemas");
        Assert.Contains("agent", schemas.GetProperty("CreateSessionRequest").GetProperty("required").EnumerateArray().Select(e => e.GetString()));
        var problem = schemas.GetProperty("ProblemBody").GetProperty("properties");
        foreach (var name in new[] { "type", "title", "status", "detail", "instance", "code" })
        {
            Assert.True(problem.TryGetProperty(name, out _), $"ProblemBody has no '{name}'");
        }

        var info = schemas.GetProperty("SessionInfo").GetProperty("properties");
        Assert.True(info.TryGetProperty("session_id", out _));
        Assert.Equal("integer", info.GetProperty("last_seq").GetProperty("type").GetString());
        Assert.Contains("awaiting_approval", schemas.GetProperty("SessionStatus").GetProperty("enum").EnumerateArray().Select(e => e.GetString()));

        var send = doc.GetProperty("paths").GetProperty("/api/v1/sessions/{id}/messages").GetProperty("post").GetProperty("responses");
        Assert.True(send.TryGetProperty("200", out _));
        Assert.True(send.TryGetProperty("202", out _));
        var stream = doc.GetProperty("paths").GetProperty("/api/v1/sessions/{id}/stream").GetProperty("get");
        Assert.True(stream.GetProperty("responses").GetProperty("200").GetProperty("content").TryGetProperty("text/event-stream", out _));
        var parameters = stream.GetProperty("parameters").EnumerateArray().ToList();
        Assert.Contains(parameters, p => p.GetProperty("name").GetString() == "Last-Event-ID" && p.GetProperty("in").GetString() == "header");
        Assert.Contains(parameters, p => p.GetProperty("name").GetString() == "last_event_id" && p.GetProperty("schema").GetProperty("type").GetString() == "integer");
        var messages = doc.GetProperty("paths").GetProperty("/api/v1/sessions/{id}/messages").GetProperty("get").GetProperty("parameters").EnumerateArray();
        Assert.Contains(messages, p => p.GetProperty("name").GetString() == "limit" && p.GetProperty("schema").GetProperty("type").GetString() == "integer");
    }

    private static async Task<JsonElement> DocumentAsync(GatewayKit kit)
    {
        using var client = kit.NewClient();
        using var response = await client.GetAsync("openapi/v1.json");
        await Http.ExpectAsync(response, 200);
        return await Http.JsonAsync(response);
    }
}
