namespace Duragent.Agents;

/// <summary>The <c>spec.model</c> block: which model answers and how.</summary>
[GenerateSerializer]
[Alias("duragent.model-spec")]
public sealed record ModelSpec
{
    /// <summary><c>provider</c>.</summary>
    [Id(0)]
    public required ModelProvider Provider { get; init; }

    /// <summary><c>name</c>: the model id sent to the provider, e.g. <c>claude-sonnet-4-5</c>.</summary>
    [Id(1)]
    public required string Name { get; init; }

    /// <summary><c>temperature</c>, 0 to 2; null leaves the provider's default.</summary>
    [Id(2)]
    public double? Temperature { get; init; }

    /// <summary><c>max_input_tokens</c>: the context window; null means "derive from the model name".</summary>
    [Id(3)]
    public int? MaxInputTokens { get; init; }

    /// <summary><c>max_output_tokens</c> (alias <c>max_tokens</c>); null leaves the provider client's default.</summary>
    [Id(4)]
    public int? MaxOutputTokens { get; init; }

    /// <summary><c>base_url</c>; null uses the provider's default endpoint. Required for <c>openai-compatible</c>.</summary>
    [Id(5)]
    public string? BaseUrl { get; init; }

    /// <summary><c>api_key_env</c>: the environment variable holding the key; null uses <see cref="ModelProviders.DefaultApiKeyVariable"/>.</summary>
    [Id(6)]
    public string? ApiKeyEnv { get; init; }

    /// <summary>The variable to read the API key from, or null when none is needed.</summary>
    public string? EffectiveApiKeyVariable => ApiKeyEnv ?? ModelProviders.DefaultApiKeyVariable(Provider);
}
