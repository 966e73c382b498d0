using Duragent.Agents;
using Duragent.Configuration;
using Duragent.Grains.Tests.Configuration;
using Duragent.Sessions;
using Duragent.Storage;

namespace Duragent.Grains.Tests.Agents;

public class AgentLoaderTests : IDisposable
{
    private readonly TestDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private async Task<AgentLoadResult> LoadAsync(string yaml, string directory = "helper")
    {
        var home = _dir.WriteAgent(directory, yaml);
        return await AgentLoader.LoadAsync(home);
    }

    private string FileOf(string directory = "helper") => _dir.Combine("agents", directory, "agent.yaml");

    [Fact]
    public async Task Load_MinimalAgent_GetsEveryDefault()
    {
        var result = await LoadAsync(AgentFiles.Minimal("helper"));

        Assert.Empty(result.Diagnostics);
        var agent = Assert.IsType<AgentDefinition>(result.Definition);
        Assert.Equal("helper", agent.Name);
        Assert.Equal("helper", result.Name);
        Assert.Equal(_dir.Combine("agents", "helper"), agent.HomeDirectory);
        Assert.Equal(FileOf(), agent.SourceFile);
        Assert.Null(agent.Metadata.Description);
        Assert.Null(agent.Metadata.Version);
        Assert.Empty(agent.Metadata.Labels);
        Assert.Equal(new ModelSpec { Provider = ModelProvider.Ollama, Name = "llama3.2" }, agent.Model);
        Assert.Null(agent.Model.EffectiveApiKeyVariable);
        Assert.Null(agent.Prompts.Soul);
        Assert.Null(agent.Prompts.SystemPrompt);
        Assert.Null(agent.Prompts.Instructions);
        Assert.Equal(_dir.Combine("agents", "helper", "skills"), agent.SkillsDirectory);
        Assert.Equal(OnDisconnect.Pause, agent.Session.OnDisconnect);
        Assert.Equal(10, agent.Session.MaxToolIterations);
        Assert.Equal(TimeSpan.FromSeconds(300), agent.Session.LlmTimeout);
        Assert.Null(agent.Session.TtlHours);
        Assert.Null(agent.Session.Compaction);
        Assert.Equal(40000, agent.Session.Context.MaxHistoryTokens);
        Assert.Equal(8000, agent.Session.Context.MaxToolResultTokens);
        Assert.Equal(ToolResultTruncation.Head, agent.Session.Context.ToolResultTruncation);
        Assert.Equal(2, agent.Session.Context.ToolResultKeepFirst);
        Assert.Equal(5, agent.Session.Context.ToolResultKeepLast);
        Assert.Empty(agent.Tools);
        Assert.Null(agent.Memory);
        Assert.False(agent.MemoryEnabled);
        Assert.Null(agent.Hooks);
        Assert.Null(agent.Access);
    }

    [Fact]
    public async Task Load_FullAgent_ReadsEveryField()
    {
        _dir.Write("agents/helper/SOUL.md", "I am {{agent.name}}.");
        _dir.Write("agents/helper/prompts/SYSTEM.md", "Do things.");
        _dir.Write("agents/helper/INSTRUCTIONS.md", "Carefully.");
        _dir.Write("agents/helper/tools/deploy.md", "Deploys.");
        var yaml = """
            apiVersion: duragent/v1alpha1
            kind: Agent
            metadata:
              name: helper
              description: Helps
              version: 1.2.3
              labels:
                team: core
                tier: "1"
            spec:
              model:
                provider: anthropic
                name: claude-sonnet-4-5
                temperature: 0.25
                max_input_tokens: 200000
                max_output_tokens: 8192
                base_url: https://proxy.example.com/v1
                api_key_env: MY_KEY
              soul: SOUL.md
              system_prompt: ./prompts/SYSTEM.md
              instructions: ./INSTRUCTIONS.md
              skills_dir: ./my-skills
              session:
                on_disconnect: continue
                max_tool_iterations: 25
                llm_timeout_seconds: 60
                ttl_hours: 24
                compaction: discard
                context:
                  max_history_tokens: 0
                  max_tool_result_tokens: 1000
                  tool_result_truncation: both
                  tool_result_keep_first: 1
                  tool_result_keep_last: 3
              tools:
                - type: builtin
                  name: bash
                - type: builtin
                  name: web
                  idempotent: true
                - type: cli
                  name: deploy
                  command: ./scripts/deploy.sh --env prod
                  description: Deploy the app
                  readme: tools/deploy.md
                  idempotent: false
                  timeout_seconds: 600
              memory:
                backend: filesystem
              hooks:
                before_tool:
                  - match: "background_process:send_keys"
                    type: depends_on
                    prior: "background_process:capture"
              access:
                dm:
                  policy: allowlist
                  allowlist: ["42", "7*"]
            """;

        var result = await LoadAsync(yaml);

        Assert.Empty(result.Diagnostics);
        var agent = result.Definition!;
        Assert.Equal("Helps", agent.Metadata.Description);
        Assert.Equal("Helps", result.Description);
        Assert.Equal("1.2.3", agent.Metadata.Version);
        Assert.Equal("core", agent.Metadata.Labels["team"]);
        Assert.Equal("1", agent.Metadata.Labels["tier"]);
        Assert.Equal(
            new ModelSpec
            {
                Provider = ModelProvider.Anthropic,
                Name = "claude-sonnet-4-5",
                Temperature = 0.25,
                MaxInputTokens = 200000,
                MaxOutputTokens = 8192,
                BaseUrl = "https://proxy.example.com/v1",
                ApiKeyEnv = "MY_KEY",
            },
            agent.Model);
        Assert.Equal("MY_KEY", agent.Model.EffectiveApiKeyVariable);
        Assert.Equal(new PromptFile(_dir.Combine("agents", "helper", "SOUL.md"), "I am {{agent.name}}."), agent.Prompts.Soul);
        Assert.Equal("Do things.", agent.Prompts.SystemPrompt?.Text);
        Assert.Equal("Carefully.", agent.Prompts.Instructions?.Text);
        Assert.Equal(_dir.Combine("agents", "helper", "my-skills"), agent.SkillsDirectory);
        Assert.Equal(OnDisconnect.Continue, agent.Session.OnDisconnect);
        Assert.Equal(25, agent.Session.MaxToolIterations);
        Assert.Equal(60, agent.Session.LlmTimeoutSeconds);
        Assert.Equal(24, agent.Session.TtlHours);
        Assert.Equal(CompactionMode.Discard, agent.Session.Compaction);
        Assert.Equal(
            new ContextSpec { MaxHistoryTokens = 0, MaxToolResultTokens = 1000, ToolResultTruncation = ToolResultTruncation.Both, ToolResultKeepFirst = 1, ToolResultKeepLast = 3 },
            agent.Session.Context);
        Assert.Equal(3, agent.Tools.Count);
        Assert.Equal(new BuiltinToolSpec { Name = "bash" }, agent.Tools[0]);
        Assert.Equal(new BuiltinToolSpec { Name = "web", Idempotent = true }, agent.Tools[1]);
        Assert.Equal(
            new CliToolSpec
            {
                Name = "deploy",
                Command = "./scripts/deploy.sh --env prod",
                Description = "Deploy the app",
                ReadmePath = _dir.Combine("agents", "helper", "tools", "deploy.md"),
                TimeoutSeconds = 600,
            },
            agent.Tools[2]);
        Assert.Equal(new MemorySpec { Backend = "filesystem" }, agent.Memory);
        Assert.True(agent.MemoryEnabled);
        var hooks = Assert.IsAssignableFrom<IReadOnlyDictionary<string, object?>>(agent.Hooks);
        var before = Assert.IsAssignableFrom<IReadOnlyList<object?>>(hooks["before_tool"]);
        var first = Assert.IsAssignableFrom<IReadOnlyDictionary<string, object?>>(before[0]);
        Assert.Equal("depends_on", first["type"]);
        var access = Assert.IsAssignableFrom<IReadOnlyDictionary<string, object?>>(agent.Access);
        var dm = Assert.IsAssignableFrom<IReadOnlyDictionary<string, object?>>(access["dm"]);
        Assert.Equal(new object?[] { "42", "7*" }, Assert.IsAssignableFrom<IReadOnlyList<object?>>(dm["allowlist"]));
    }

    public static TheoryData<string, string, string> BadFiles => new()
    {
        {
            "yaml syntax error",
            "apiVersion: duragent/v1alpha1\nkind: Agent\nmetadata:\n  name: helper\n   description: oops\nspec: {}\n",
            ":5:15: error: invalid YAML: While scanning a plain scalar value, found invalid mapping. Expected well-formed YAML"
        },
        {
            "wrong apiVersion",
            AgentFiles.Minimal("helper").Replace("duragent/v1alpha1", "duragent/v2"),
            ":1:13: error: apiVersion: expected 'duragent/v1alpha1', found 'duragent/v2'"
        },
        {
            "missing apiVersion",
            AgentFiles.Minimal("helper").Replace("apiVersion: duragent/v1alpha1\n", string.Empty),
            ":1:1: error: apiVersion is missing; expected apiVersion: duragent/v1alpha1"
        },
        {
            "wrong kind",
            AgentFiles.Minimal("helper").Replace("kind: Agent", "kind: Policy"),
            ":2:7: error: kind: expected 'Agent', found 'Policy'"
        },
        {
            "missing metadata.name",
            AgentFiles.Minimal("helper").Replace("  name: helper\n", "  description: no name\n"),
            ":4:3: error: metadata.name is missing; expected the agent's name, equal to its directory name ('helper')"
        },
        {
            "name not a valid key",
            AgentFiles.Minimal("helper").Replace("name: helper", "name: \"../helper\""),
            ":4:9: error: metadata.name: '../helper' is not a valid agent name: the key must start with a letter or a digit"
        },
        {
            "name differs from directory",
            AgentFiles.Minimal("other"),
            ":4:9: error: metadata.name: 'other' differs from the agent's directory name 'helper'; expected name: helper (or rename the directory to 'other')"
        },
        {
            "missing spec",
            "apiVersion: duragent/v1alpha1\nkind: Agent\nmetadata:\n  name: helper\n",
            ":1:1: error: spec is missing; expected a mapping with at least model (provider and name)"
        },
        {
            "missing model",
            "apiVersion: duragent/v1alpha1\nkind: Agent\nmetadata:\n  name: helper\nspec:\n  soul: SOUL.md\n",
            ":6:3: error: spec.model is missing; expected a mapping with provider and name, for example model: {provider: ollama, name: llama3.2}"
        },
        {
            "missing provider",
            AgentFiles.Minimal("helper").Replace("    provider: ollama\n", string.Empty),
            ":7:5: error: spec.model.provider is missing; expected one of anthropic, openai, openrouter, ollama, openai-compatible"
        },
        {
            "missing model name",
            AgentFiles.Minimal("helper").Replace("    name: llama3.2\n", string.Empty),
            ":7:5: error: spec.model.name is missing; expected the model id sent to the provider"
        },
        {
            "unknown provider",
            AgentFiles.Minimal("helper").Replace("provider: ollama", "provider: gemini"),
            ":7:15: error: spec.model.provider: unknown provider 'gemini'; expected one of anthropic, openai, openrouter, ollama, openai-compatible"
        },
        {
            "bad type",
            AgentFiles.Minimal("helper") + "    temperature: hot\n",
            ":9:18: error: spec.model.temperature: expected a number from 0 to 2, found 'hot'"
        },
        {
            "bad integer",
            AgentFiles.Minimal("helper") + "  session:\n    max_tool_iterations: lots\n",
            ":10:26: error: spec.session.max_tool_iterations: expected a whole number ≥ 1, found 'lots'"
        },
        {
            "bad enum",
            AgentFiles.Minimal("helper") + "  session:\n    on_disconnect: stop\n",
            ":10:20: error: spec.session.on_disconnect: expected one of pause, continue, found 'stop'"
        },
        {
            "zero max_tool_result_tokens",
            AgentFiles.Minimal("helper") + "  session:\n    context:\n      max_tool_result_tokens: 0\n",
            ":11:31: error: spec.session.context.max_tool_result_tokens: must be greater than 0, found 0; expected a positive token count such as 8000"
        },
        {
            "unknown tool type",
            AgentFiles.Minimal("helper") + "  tools:\n    - type: mcp\n      name: github\n",
            ":10:13: error: spec.tools[0].type: unknown tool type 'mcp' (MCP tools are not supported yet); expected builtin or cli"
        },
        {
            "cli tool without command",
            AgentFiles.Minimal("helper") + "  tools:\n    - type: cli\n      name: deploy\n",
            ":10:7: error: spec.tools[0].command is missing; expected the command line to run"
        },
        {
            "openai-compatible without base_url",
            AgentFiles.Minimal("helper").Replace("provider: ollama", "provider: openai-compatible"),
            ":7:5: error: spec.model.base_url is missing; expected the server's URL, required for provider openai-compatible"
        },
        {
            "base_url not a URL",
            AgentFiles.Minimal("helper") + "    base_url: localhost:11434\n",
            ":9:15: error: spec.model.base_url: expected an absolute http:// or https:// URL, found 'localhost:11434'"
        },
        {
            "spec of the wrong shape",
            "apiVersion: duragent/v1alpha1\nkind: Agent\nmetadata:\n  name: helper\nspec: [a, b]\n",
            ":5:7: error: spec: expected a mapping with at least model, found a list"
        },
        {
            "empty file",
            "# nothing here\n",
            ":1:1: error: the file is empty; expected a mapping with apiVersion, kind, metadata and spec"
        },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public async Task Load_BadFile_ErrorNamesFileLineColumnAndExpectation(string because, string yaml, string expected)
    {
        var result = await LoadAsync(yaml);

        Assert.Null(result.Definition);
        Assert.False(result.IsValid, because);
        var error = Assert.Single(result.Errors);
        Assert.StartsWith(FileOf() + expected, error.ToString());
    }

    [Fact]
    public async Task Load_ReportsEveryErrorInOnePass()
    {
        var yaml = "apiVersion: v0\nkind: Agent\nmetadata:\n  name: helper\nspec:\n  model:\n    provider: nope\n    name: x\n    temperature: hot\n";

        var result = await LoadAsync(yaml);

        Assert.Equal([1, 7, 9], result.Errors.Select(e => e.Line));
    }

    [Fact]
    public async Task Load_MissingAgentYaml_IsAnError()
    {
        Directory.CreateDirectory(_dir.Combine("agents", "empty"));

        var result = await AgentLoader.LoadAsync(_dir.Combine("agents", "empty"));

        Assert.Equal($"{FileOf("empty")}: error: file not found; expected an agent directory containing agent.yaml", Assert.Single(result.Errors).ToString());
    }

    [Fact]
    public async Task Load_AcceptsThePathOfTheFileItself()
    {
        _dir.WriteAgent("helper", AgentFiles.Minimal("helper"));

        var result = await AgentLoader.LoadAsync(FileOf());

        Assert.True(result.IsValid);
        Assert.Equal("helper", result.Name);
    }

    [Fact]
    public async Task Load_UnknownKeys_AreWarningsNamingKeyAndLocation()
    {
        var yaml = AgentFiles.Minimal("helper") + "    tempurature: 0.5\n  sesion:\n    ttl_hours: 1\nextra: true\n";

        var result = await LoadAsync(yaml);

        Assert.True(result.IsValid);
        Assert.Equal(
            [
                $"{FileOf()}:9:5: warning: unknown key 'tempurature' in spec.model is ignored; did you mean 'temperature'?",
                $"{FileOf()}:10:3: warning: unknown key 'sesion' in spec is ignored; did you mean 'session'?",
                $"{FileOf()}:12:1: warning: unknown key 'extra' at the top level is ignored",
            ],
            result.Warnings.Select(w => w.ToString()));
    }

    [Fact]
    public async Task Load_UnknownBuiltinTool_IsAWarningAndLeftOut()
    {
        var yaml = AgentFiles.Minimal("helper") + "  tools:\n    - type: builtin\n      name: teleport\n    - type: builtin\n      name: bash\n";

        var result = await LoadAsync(yaml);

        Assert.True(result.IsValid);
        var warning = Assert.Single(result.Warnings);
        Assert.StartsWith($"{FileOf()}:11:7: warning: spec.tools[0].name: unknown built-in tool 'teleport' is ignored; expected one of bash, web, schedule, background_process, session, reload_tools, memory", warning.ToString());
        Assert.Equal(["bash"], result.Definition!.Tools.Select(t => t.Name));
    }

    [Fact]
    public async Task Load_DuplicateToolNames_AreAnError()
    {
        var yaml = AgentFiles.Minimal("helper") + "  tools:\n    - type: builtin\n      name: bash\n    - type: builtin\n      name: bash\n";

        var result = await LoadAsync(yaml);

        Assert.Contains("spec.tools[1].name: a tool named 'bash' is already listed", Assert.Single(result.Errors).Message);
    }

    [Fact]
    public async Task Load_MissingPromptFile_IsAWarning()
    {
        _dir.Write("agents/helper/SOUL.md", "soul");
        var yaml = AgentFiles.Minimal("helper") + "  soul: SOUL.md\n  system_prompt: ./SYSTEM_PROMPT.md\n";

        var result = await LoadAsync(yaml);

        Assert.True(result.IsValid);
        Assert.Equal("soul", result.Definition!.Prompts.Soul?.Text);
        Assert.Null(result.Definition.Prompts.SystemPrompt);
        var warning = Assert.Single(result.Warnings);
        Assert.Equal(
            $"{FileOf()}:10:18: warning: spec.system_prompt: file './SYSTEM_PROMPT.md' not found at {_dir.Combine("agents", "helper", "SYSTEM_PROMPT.md")}; the prompt is assembled without it",
            warning.ToString());
    }

    [Fact]
    public async Task Load_MissingReadme_IsAWarning()
    {
        var yaml = AgentFiles.Minimal("helper") + "  tools:\n    - type: cli\n      name: deploy\n      command: ./deploy.sh\n      readme: README.md\n";

        var result = await LoadAsync(yaml);

        Assert.True(result.IsValid);
        Assert.StartsWith($"{FileOf()}:13:15: warning: spec.tools[0].readme: file 'README.md' not found", Assert.Single(result.Warnings).ToString());
    }

    [Fact]
    public async Task Load_MaxTokensIsAnAliasOfMaxOutputTokens()
    {
        var result = await LoadAsync(AgentFiles.Minimal("helper") + "    max_tokens: 1234\n");

        Assert.Empty(result.Diagnostics);
        Assert.Equal(1234, result.Definition!.Model.MaxOutputTokens);
    }

    [Theory]
    [InlineData("anthropic", ModelProvider.Anthropic, "ANTHROPIC_API_KEY")]
    [InlineData("openai", ModelProvider.OpenAI, "OPENAI_API_KEY")]
    [InlineData("openrouter", ModelProvider.OpenRouter, "OPENROUTER_API_KEY")]
    [InlineData("ollama", ModelProvider.Ollama, null)]
    public async Task Load_KnownProviders(string name, ModelProvider provider, string? keyVariable)
    {
        var result = await LoadAsync(AgentFiles.Minimal("helper").Replace("provider: ollama", $"provider: {name}"));

        Assert.Equal(provider, result.Definition!.Model.Provider);
        Assert.Equal(keyVariable, result.Definition.Model.EffectiveApiKeyVariable);
        Assert.Equal(name, ModelProviders.ToName(provider));
    }

    [Fact]
    public async Task Load_OpenAICompatibleWithBaseUrl_IsValid()
    {
        var yaml = AgentFiles.Minimal("helper").Replace("provider: ollama", "provider: openai-compatible") + "    base_url: http://localhost:8000/v1\n";

        var result = await LoadAsync(yaml);

        Assert.Empty(result.Diagnostics);
        Assert.Equal(ModelProvider.OpenAICompatible, result.Definition!.Model.Provider);
    }

    [Theory]
    [InlineData("  memory: {}\n", true)]
    [InlineData("  memory:\n", true)]
    [InlineData("  memory: true\n", true)]
    [InlineData("  memory: false\n", false)]
    [InlineData("", false)]
    public async Task Load_MemoryBlockPresenceTurnsMemoryOn(string block, bool enabled)
    {
        var result = await LoadAsync(AgentFiles.Minimal("helper") + block);

        Assert.Empty(result.Diagnostics);
        Assert.Equal(enabled, result.Definition!.MemoryEnabled);
    }

    [Fact]
    public async Task Load_HooksAndAccessAreKeptWithoutWarnings()
    {
        var result = await LoadAsync(AgentFiles.Minimal("helper") + "  hooks:\n    whatever: 1\n  access:\n    anything: [x]\n");

        Assert.Empty(result.Diagnostics);
        Assert.NotNull(result.Definition!.Hooks);
        Assert.NotNull(result.Definition.Access);
    }
}
