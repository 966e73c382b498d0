using System.Text;

namespace Duragent.Agents.Templates;

/// <summary>
/// The files <c>duragent init</c> and <c>duragent agent create</c> write. The CLI never overwrites an existing
/// file; it reports which files it created and which it skipped. Every generated agent validates cleanly.
/// </summary>
public static class AgentTemplates
{
    /// <summary>The agent name <c>init</c> proposes: <c>my-assistant</c>.</summary>
    public const string DefaultAgentName = "my-assistant";

    /// <summary>The provider <c>init</c> proposes: <see cref="ModelProvider.OpenRouter"/>.</summary>
    public const ModelProvider DefaultProvider = ModelProvider.OpenRouter;

    /// <summary>The model <c>init</c> proposes with the default provider: <c>moonshotai/kimi-k2.5</c>.</summary>
    public const string DefaultModel = DefaultOpenRouterModel;

    /// <summary>The model proposed for OpenRouter: <c>moonshotai/kimi-k2.5</c>.</summary>
    public const string DefaultOpenRouterModel = "moonshotai/kimi-k2.5";

    /// <summary>The model proposed for OpenAI: <c>gpt-4.1-mini</c>.</summary>
    public const string DefaultOpenAIModel = "gpt-4.1-mini";

    /// <summary>The model proposed for Anthropic: <c>claude-sonnet-4-5</c>.</summary>
    public const string DefaultAnthropicModel = "claude-sonnet-4-5";

    /// <summary>The model proposed for Ollama: <c>llama3.2</c> (<c>ollama pull llama3.2</c>).</summary>
    public const string DefaultOllamaModel = "llama3.2";

    /// <summary>The model proposed for an OpenAI-compatible server: <c>local-model</c>, to be replaced by what it serves.</summary>
    public const string DefaultOpenAICompatibleModel = "local-model";

    /// <summary>The model proposed for <paramref name="provider"/>: a model name that provider knows.</summary>
    public static string DefaultModelFor(ModelProvider provider) => provider switch
    {
        ModelProvider.OpenRouter => DefaultOpenRouterModel,
        ModelProvider.OpenAI => DefaultOpenAIModel,
        ModelProvider.Anthropic => DefaultAnthropicModel,
        ModelProvider.Ollama => DefaultOllamaModel,
        ModelProvider.OpenAICompatible => DefaultOpenAICompatibleModel,
        _ => throw new ArgumentOutOfRangeException(nameof(provider), provider, "Unknown model provider."),
    };

    /// <summary>What <c>--help</c> says about the default model: one default per provider.</summary>
    public static string DefaultModelsHelp =>
        string.Join(", ", Enum.GetValues<ModelProvider>().Select(p => $"{DefaultModelFor(p)} for {ModelProviders.ToName(p)}"));

    /// <summary>The directories <c>init</c> creates, relative to the config directory.</summary>
    public static IReadOnlyList<string> WorkspaceDirectories { get; } =
    [
        ".duragent/agents",
        ".duragent/sessions",
        ".duragent/memory/world",
        ".duragent/directives",
        ".duragent/schedules",
        ".duragent/artifacts",
    ];

    /// <summary>The workspace configuration written by <c>init</c>.</summary>
    public const string WorkspaceConfig = """
        # Duragent workspace configuration. Every setting is optional; the values below are the defaults.
        # Reference: docs/configuration.md. Environment variables expand before parsing:
        # ${VAR} (must be set), ${VAR:-default}, and $$ for a literal $.

        server:
          host: 127.0.0.1
          port: 8080
          # Required before binding an address other than loopback:
          # api_token: ${DURAGENT_API_TOKEN}
          # admin_token: ${DURAGENT_ADMIN_TOKEN}

        sessions:
          ttl_hours: 168
          # archive keeps SSE resume and the audit trail for the whole life of a session.
          compaction: archive

        # Chat gateways and which agent answers them:
        # gateways:
        #   telegram:
        #     bot_token: ${TELEGRAM_BOT_TOKEN}
        # routes:
        #   - match: { gateway: telegram }
        #     agent: my-assistant

        """;

    /// <summary>The workspace tool policy written by <c>init</c> (<c>.duragent/policy.yaml</c>): a deny list for every agent.</summary>
    public const string WorkspacePolicy = """
        # Workspace-wide tool policy. Deny rules here apply to every agent and always win.
        # Patterns are type:glob (types: bash, builtin, cli, mcp, *). See docs/agent-format.md.
        apiVersion: duragent/v1alpha1
        kind: Policy
        deny:
          - "bash:rm -rf /"
          - "bash:rm -rf ~"
          - "bash:*mkfs*"
          - "bash:*dd if=*of=/dev/*"
          - "bash:*:(){ :|:& };:*"

        """;

    /// <summary>The agent policy written for new agents: ask before any tool call not allowed below.</summary>
    public const string AgentPolicy = """
        # Tool policy of this agent. mode: ask runs allow-listed calls and asks before anything else;
        # dangerous runs everything not denied; restrict runs only allow-listed calls.
        # "Allow always" answers are saved to policy.local.yaml next to this file.
        apiVersion: duragent/v1alpha1
        kind: Policy
        mode: ask
        allow:
          - "builtin:memory:*"
          - "builtin:web:*"
        deny: []

        """;

    /// <summary>The soul of new agents: who the agent is.</summary>
    public const string Soul = """
        # Soul

        You are {{agent.name}}: calm, precise and kind. You say what you know, admit what you do not,
        and prefer a short, correct answer to a long, impressive one.

        """;

    /// <summary>The system prompt of new agents: what the agent does.</summary>
    public const string SystemPrompt = """
        # Role

        You are a general-purpose assistant working in {{agent.home}}.
        Today is {{date}}; the time is {{time}}.

        - Answer questions directly; use tools when they give a better answer than memory.
        - Before running a command, say briefly what it is for.
        - When a task needs several steps, list them first, then work through them.

        """;

    /// <summary>The files of a new agent, relative to its own directory.</summary>
    public static IReadOnlyList<TemplateFile> ForAgent(string name, ModelProvider provider, string model, string? description = null)
    {
        GrainKey.Validate(name, "agent name");
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        return
        [
            new TemplateFile(AgentDefinition.FileName, AgentYaml(name, provider, model, description)),
            new TemplateFile("policy.yaml", AgentPolicy),
            new TemplateFile("SOUL.md", Soul),
            new TemplateFile("SYSTEM_PROMPT.md", SystemPrompt),
        ];
    }

    /// <summary>The files of a new workspace with one agent, relative to the directory that gets <c>duragent.yaml</c>.</summary>
    public static IReadOnlyList<TemplateFile> ForWorkspace(string agentName, ModelProvider provider, string model)
    {
        var files = new List<TemplateFile>
        {
            new("duragent.yaml", WorkspaceConfig),
            new(".duragent/policy.yaml", WorkspacePolicy),
        };
        files.AddRange(ForAgent(agentName, provider, model).Select(f => f with { RelativePath = $".duragent/agents/{agentName}/{f.RelativePath}" }));
        return files;
    }

    /// <summary>What to tell the user about credentials for <paramref name="provider"/>.</summary>
    public static string CredentialHint(ModelProvider provider) => provider switch
    {
        ModelProvider.Ollama => "Ollama needs no key: start it with `ollama serve` and fetch the model with `ollama pull <model>`.",
        ModelProvider.OpenAICompatible => "Set spec.model.base_url to your server's URL, and spec.model.api_key_env if it needs a key.",
        _ => $"Export {ModelProviders.DefaultApiKeyVariable(provider)} with your {ModelProviders.ToName(provider)} API key before chatting.",
    };

    /// <summary>The <c>agent.yaml</c> of a new agent.</summary>
    public static string AgentYaml(string name, ModelProvider provider, string model, string? description = null)
    {
        GrainKey.Validate(name, "agent name");
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        var providerComment = provider switch
        {
            ModelProvider.Ollama => "# A local Ollama server; no key needed (ollama pull <model> first).",
            ModelProvider.OpenAICompatible => "# Any OpenAI-compatible server: set base_url (and api_key_env if it needs a key).",
            _ => $"# The API key is read from {ModelProviders.DefaultApiKeyVariable(provider)} (override with api_key_env).",
        };
        var baseUrl = provider == ModelProvider.OpenAICompatible
            ? "    base_url: http://localhost:8000/v1\n"
            : "    # base_url: https://example.com/v1\n";
        var builder = new StringBuilder();
        builder.Append($"""
            # Agent definition. Reference: docs/agent-format.md
            apiVersion: duragent/v1alpha1
            kind: Agent
            metadata:
              name: {name}
              description: {Quote(description ?? "A helpful assistant")}
            spec:
              model:
                {providerComment}
                provider: {ModelProviders.ToName(provider)}
                name: {Quote(model)}
                # temperature: 0.7
                # max_output_tokens: 4096

            """);
        builder.Append(baseUrl);
        builder.Append("""
              soul: ./SOUL.md
              system_prompt: ./SYSTEM_PROMPT.md
              # instructions: ./INSTRUCTIONS.md
              session:
                on_disconnect: pause
                max_tool_iterations: 10
              tools:
                - type: builtin
                  name: bash
                - type: builtin
                  name: web
                  idempotent: true
              # Remove this block to turn memory off.
              memory:
                backend: filesystem

            """);
        return builder.ToString();
    }

    // YAML double-quoted scalar: escape backslash and quote, keep everything else.
    private static string Quote(string text) =>
        "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)
            .Replace("\n", "\\n", StringComparison.Ordinal).Replace("\r", "\\r", StringComparison.Ordinal) + "\"";
}
