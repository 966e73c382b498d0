namespace Duragent.Agents;

/// <summary>The <c>spec.model</c> block: which model answers and how.</summary>
public sealed record ModelSpec
{
    /// <summary><c>provider</c>.</summary>
    public required ModelProvider Provider { get; init; }

    /// <summary><c>name</c>: the model id sent to the provider, e.g. <c>claude-sonnet-4-5</c>.</summary>
    public required string Name { get; init; }

    /// <summary><c>temperature</c>, 0 to 2; null leaves the provider's default.</summary>
    public double? Temperature { get; init; }

    /// <summary><c>max_input_tokens</c>: the context window; null means "derive from the model name".</summary>
    public int? MaxInputTokens { get; init; }

    /// <summary><c>max_output_tokens</c> (alias <c>max_tokens</c>); null leaves the provider client's default.</summary>
    public int? MaxOutputTokens { get; init; }

    /// <summary><c>base_url</c>; null uses the provider's default endpoint. Required for <c>openai-compatible</c>.</summary>
    public string? BaseUrl { get; init; }

    /// <summary><c>api_key_env</c>: the environment variable holding the key; null uses <see cref="ModelProviders.DefaultApiKeyVariable"/>.</summary>
    public string? ApiKeyEnv { get; init; }

    /// <summary>The variable to read the API key from, or null when none is needed.</summary>
    public string? EffectiveApiKeyVariable => ApiKeyEnv ?? ModelProviders.DefaultApiKeyVariable(Provider);
}
