namespace Duragent.Agents;

/// <summary>The names of <see cref="ModelProvider"/> values as written in <c>agent.yaml</c>, and their key variables.</summary>
public static class ModelProviders
{
    private static readonly (ModelProvider Provider, string Name, string? KeyVariable)[] Table =
    [
        (ModelProvider.Anthropic, "anthropic", "ANTHROPIC_API_KEY"),
        (ModelProvider.OpenAI, "openai", "OPENAI_API_KEY"),
        (ModelProvider.OpenRouter, "openrouter", "OPENROUTER_API_KEY"),
        (ModelProvider.Ollama, "ollama", null),
        (ModelProvider.OpenAICompatible, "openai-compatible", null),
    ];

    /// <summary>Every provider name, in documentation order.</summary>
    public static IReadOnlyList<string> Names { get; } = Table.Select(t => t.Name).ToArray();

    /// <summary>The name written in YAML, e.g. <c>openai-compatible</c>.</summary>
    public static string ToName(ModelProvider provider)
    {
        foreach (var entry in Table)
        {
            if (entry.Provider == provider)
            {
                return entry.Name;
            }
        }

        throw new ArgumentOutOfRangeException(nameof(provider), provider, "Unknown model provider.");
    }

    /// <summary>Parses a provider name (exact, lowercase).</summary>
    public static bool TryParse(string? name, out ModelProvider provider)
    {
        foreach (var entry in Table)
        {
            if (string.Equals(entry.Name, name, StringComparison.Ordinal))
            {
                provider = entry.Provider;
                return true;
            }
        }

        provider = default;
        return false;
    }

    /// <summary>
    /// The environment variable holding the API key when <c>spec.model.api_key_env</c> is not set, or null when
    /// the provider needs no key by default (Ollama, OpenAI-compatible servers).
    /// </summary>
    public static string? DefaultApiKeyVariable(ModelProvider provider)
    {
        foreach (var entry in Table)
        {
            if (entry.Provider == provider)
            {
                return entry.KeyVariable;
            }
        }

        return null;
    }
}
