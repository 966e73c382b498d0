namespace Duragent.Llm;

/// <summary>
/// The model part of an agent spec (<c>spec.model</c> plus <c>spec.session.llm_timeout_seconds</c>), as the LLM
/// layer needs it. <see cref="ILlmClientFactory.Create"/> turns it into a client.
/// </summary>
/// <param name="Provider"><c>openai</c>, <c>openrouter</c>, <c>ollama</c>, <c>anthropic</c> or <c>openai-compatible</c>.</param>
/// <param name="Model">The model id sent to the provider.</param>
public sealed record LlmModelSettings(string Provider, string Model)
{
    /// <summary>The agent these settings belong to; named in configuration errors.</summary>
    public string? AgentName { get; init; }

    /// <summary>Overrides the provider's default base URL; required for <c>openai-compatible</c>.</summary>
    public string? BaseUrl { get; init; }

    /// <summary>
    /// The environment variable holding the API key, instead of the provider's default
    /// (<c>OPENAI_API_KEY</c>, <c>OPENROUTER_API_KEY</c>, <c>ANTHROPIC_API_KEY</c>). For <c>openai-compatible</c> and
    /// <c>ollama</c> the key is optional and only sent when this is set.
    /// </summary>
    public string? ApiKeyEnv { get; init; }

    /// <summary>Sampling temperature; null leaves the provider default.</summary>
    public double? Temperature { get; init; }

    /// <summary>The model's context window; null takes the default for the model name.</summary>
    public int? MaxInputTokens { get; init; }

    /// <summary>The most tokens the model may produce per call; null leaves the provider default.</summary>
    public int? MaxOutputTokens { get; init; }

    /// <summary>The whole-call timeout; null takes <see cref="LlmOptions.RequestTimeout"/> (300 seconds by default).</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>The idle timeout; null takes <see cref="LlmOptions.IdleTimeout"/> (60 seconds by default).</summary>
    public TimeSpan? IdleTimeout { get; init; }
}
