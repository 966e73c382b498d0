using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Duragent.Gateway.Http.Json;
using Duragent.Gateway.Http.Problems;
using Xunit.Sdk;

namespace Duragent.Gateway.Http.Tests;

/// <summary>Assertions on HTTP responses.</summary>
internal static class Http
{
    public static async Task ExpectAsync(HttpResponseMessage response, int status)
    {
        if ((int)response.StatusCode != status)
        {
            var body = await response.Content.ReadAsStringAsync();
            throw new XunitException($"Expected HTTP {status} from {response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}, got {(int)response.StatusCode}: {body}");
        }
    }

    public static async Task<T> ReadAsync<T>(HttpResponseMessage response, JsonTypeInfo<T> typeInfo) =>
        await response.Content.ReadFromJsonAsync(typeInfo) ?? throw new XunitException("The body is null.");

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Asserts a problem+json response with <paramref name="status"/> and <paramref name="code"/>; returns the body.</summary>
    public static async Task<ProblemBody> ProblemAsync(HttpResponseMessage response, int status, string code)
    {
        await ExpectAsync(response, status);
        Assert.Equal(ApiProblem.MediaType, response.Content.Headers.ContentType?.MediaType);
        var problem = await ReadAsync(response, GatewayJsonContext.Default.ProblemBody);
        Assert.Equal(status, problem.Status);
        Assert.Equal(code, problem.Code);
        Assert.Equal("urn:duragent:problem:" + code, problem.Type);
        Assert.False(string.IsNullOrEmpty(problem.Title));
        Assert.False(string.IsNullOrEmpty(problem.Instance));
        Assert.DoesNotContain("   at ", problem.Detail ?? string.Empty, StringComparison.Ordinal);
        return problem;
    }
}
