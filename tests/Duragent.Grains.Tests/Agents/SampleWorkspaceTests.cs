using Duragent.Agents;
using Duragent.Agents.Templates;
using Duragent.Configuration;
using Duragent.Grains.Tests.Configuration;

namespace Duragent.Grains.Tests.Agents;

public class SampleWorkspaceTests
{
    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Duragent.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"Duragent.sln not found above {AppContext.BaseDirectory}.");
    }

    [Fact]
    public async Task SampleWorkspace_ValidatesCleanly()
    {
        var configFile = Path.Combine(RepositoryRoot(), "samples", "workspace", "duragent.yaml");

        var loaded = DuragentConfigLoader.Load(configFile, _ => null);
        var workspace = new DuragentWorkspace(loaded.Config);
        var agents = await new FileAgentCatalog(workspace.AgentsDirectory).ListAsync();

        Assert.Empty(loaded.Warnings);
        Assert.Equal(8080, loaded.Config.Server.Port);
        var agent = Assert.Single(agents);
        Assert.Equal("assistant", agent.Name);
        Assert.Empty(agent.Diagnostics);
        Assert.Equal(ModelProvider.Ollama, agent.Definition!.Model.Provider);
        Assert.NotNull(agent.Definition.Prompts.Soul);
        Assert.NotNull(agent.Definition.Prompts.SystemPrompt);
        Assert.True(File.Exists(Path.Combine(agent.HomeDirectory, "policy.yaml")));
        Assert.Contains("mode: ask", File.ReadAllText(Path.Combine(agent.HomeDirectory, "policy.yaml")));
    }

    [Theory]
    [InlineData(ModelProvider.OpenRouter, AgentTemplates.DefaultModel)]
    [InlineData(ModelProvider.Anthropic, "claude-sonnet-4-5")]
    [InlineData(ModelProvider.OpenAI, "gpt-4.1")]
    [InlineData(ModelProvider.Ollama, "qwen3:8b")]
    [InlineData(ModelProvider.OpenAICompatible, "local \"model\"")]
    public async Task InitTemplates_ValidateCleanly(ModelProvider provider, string model)
    {
        using var dir = new TestDirectory();
        foreach (var file in AgentTemplates.ForWorkspace(AgentTemplates.DefaultAgentName, provider, model))
        {
            dir.Write(file.RelativePath, file.Content);
        }

        var loaded = DuragentConfigLoader.Load(dir.Combine("duragent.yaml"), _ => null);
        var agents = await new FileAgentCatalog(new DuragentWorkspace(loaded.Config).AgentsDirectory).ListAsync();

        Assert.Empty(loaded.Warnings);
        var agent = Assert.Single(agents);
        Assert.Equal(AgentTemplates.DefaultAgentName, agent.Name);
        Assert.Empty(agent.Diagnostics);
        Assert.Equal(provider, agent.Definition!.Model.Provider);
        Assert.Equal(model, agent.Definition.Model.Name);
        Assert.True(File.Exists(dir.Combine(".duragent", "policy.yaml")));
    }

    [Fact]
    public void AgentTemplates_RejectInvalidNames()
    {
        Assert.Throws<ArgumentException>(() => AgentTemplates.ForAgent("../evil", ModelProvider.Ollama, "m"));
    }

    [Theory]
    [InlineData(ModelProvider.Ollama, "ollama serve")]
    [InlineData(ModelProvider.Anthropic, "ANTHROPIC_API_KEY")]
    [InlineData(ModelProvider.OpenRouter, "OPENROUTER_API_KEY")]
    public void CredentialHint_NamesWhatToDo(ModelProvider provider, string expected)
    {
        Assert.Contains(expected, AgentTemplates.CredentialHint(provider));
    }
}
