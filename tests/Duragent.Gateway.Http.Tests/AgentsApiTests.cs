using Duragent.Agents;
using Duragent.Gateway.Http.Json;
using Duragent.Gateway.Http.Problems;

namespace Duragent.Gateway.Http.Tests;

public sealed class AgentsApiTests
{
    private static void WriteBrokenAgent(string root)
    {
        var dir = Path.Combine(root, "agents", "broken");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "agent.yaml"), "apiVersion: duragent/v1alpha1\nkind: Agent\nmetadata:\n  name: broken\nspec:\n  model:\n    provider: nonsense\n    name: x\n");
    }

    [Fact]
    public async Task List_ShowsValidAndBrokenAgentsWithTheirDiagnostics()
    {
        await using var kit = await GatewayKit.StartAsync(prepare: WriteBrokenAgent);

        using var response = await kit.Client.GetAsync("api/v1/agents");

        await Http.ExpectAsync(response, 200);
        var list = await Http.ReadAsync(response, GatewayJsonContext.Default.AgentList);
        Assert.Equal(["assistant", "broken"], list.Agents.Select(a => a.Name));
        var assistant = list.Agents[0];
        Assert.True(assistant.Valid);
        Assert.Equal("A test assistant", assistant.Description);
        Assert.Equal("1.2", assistant.Version);
        Assert.Equal(new AgentModelSummary("openai-compatible", "test-model"), assistant.Model);
        Assert.Empty(assistant.Errors);
        var broken = list.Agents[1];
        Assert.False(broken.Valid);
        Assert.Null(broken.Model);
        Assert.Contains(broken.Errors, e => e.StartsWith("agents/broken/agent.yaml:", StringComparison.Ordinal) && e.Contains("provider", StringComparison.Ordinal));
        var json = await Http.JsonAsync(response);
        Assert.Equal("openai-compatible", json.GetProperty("agents")[0].GetProperty("model").GetProperty("provider").GetString());
    }

    [Fact]
    public async Task Get_ShowsTheDefinition_WithoutPromptTextsOrKeys()
    {
        await using var kit = await GatewayKit.StartAsync(prepare: root =>
        {
            var file = Path.Combine(root, "agents", "assistant", "agent.yaml");
            File.WriteAllText(file, File.ReadAllText(file)
                .Replace("name: test-model", "name: test-model\n    api_key_env: MY_SECRET_KEY_VAR", StringComparison.Ordinal)
                .Replace("/v1\n", "/v1?key=SECRET-IN-QUERY\n", StringComparison.Ordinal));
        });

        using var response = await kit.Client.GetAsync("api/v1/agents/assistant");

        await Http.ExpectAsync(response, 200);
        var text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("SECRET-PROMPT-TEXT", text, StringComparison.Ordinal);
        Assert.DoesNotContain("MY_SECRET_KEY_VAR", text, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRET-IN-QUERY", text, StringComparison.Ordinal);
        var detail = await Http.ReadAsync(response, GatewayJsonContext.Default.AgentDetail);
        Assert.Equal("duragent/v1alpha1", detail.ApiVersion);
        Assert.Equal("Agent", detail.Kind);
        Assert.Equal("assistant", detail.Metadata.Name);
        Assert.Equal("qa", detail.Metadata.Labels["team"]);
        Assert.Equal("openai-compatible", detail.Spec.Model.Provider);
        Assert.Equal(0.2, detail.Spec.Model.Temperature);
        Assert.StartsWith(kit.Llm.BaseUrl, detail.Spec.Model.BaseUrl, StringComparison.Ordinal);
        Assert.Equal(5, detail.Spec.Session.MaxToolIterations);
        Assert.Equal(new AgentToolView("builtin", "bash", false), Assert.Single(detail.Spec.Tools));
        var json = await Http.JsonAsync(response);
        Assert.Equal("pause", json.GetProperty("spec").GetProperty("session").GetProperty("on_disconnect").GetString());
        Assert.Equal(300, json.GetProperty("spec").GetProperty("session").GetProperty("llm_timeout_seconds").GetInt32());
    }

    [Fact]
    public async Task Get_Is404ForAnUnknownAgent_422ForABrokenOne_400ForAnInvalidName()
    {
        await using var kit = await GatewayKit.StartAsync(prepare: WriteBrokenAgent);

        using var missing = await kit.Client.GetAsync("api/v1/agents/nobody");
        using var broken = await kit.Client.GetAsync("api/v1/agents/broken");
        using var invalid = await kit.Client.GetAsync("api/v1/agents/bad%01name");

        await Http.ProblemAsync(missing, 404, ProblemCodes.AgentNotFound);
        var problem = await Http.ProblemAsync(broken, 422, ProblemCodes.AgentInvalid);
        Assert.Contains(problem.Errors!, e => e.Contains("provider", StringComparison.Ordinal));
        var bad = await Http.ProblemAsync(invalid, 400, ProblemCodes.InvalidId);
        Assert.Contains("U+0001", bad.Detail, StringComparison.Ordinal);
    }
}
