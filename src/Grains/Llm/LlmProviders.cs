namespace Duragent.Llm;

/// <summary>The provider names <see cref="LlmModelSettings.Provider"/> accepts, and their defaults.</summary>
public static class LlmProviders
{
    /// <summary>OpenAI's Chat Completions API; key from <c>OPENAI_API_KEY</c>.</summary>
    public const string OpenAi = "openai";

    /// <summary>OpenRouter (OpenAI wire format); key from <c>OPENROUTER_API_KEY</c>.</summary>
    public const string OpenRouter = "openrouter";

    /// <summary>A local Ollama server (OpenAI wire format); no key.</summary>
    public const string Ollama = "ollama";

    /// <summary>Anthropic's Messages API; key from <c>ANTHROPIC_API_KEY</c>.</summary>
    public const string Anthropic = "anthropic";

    /// <summary>Any server speaking the OpenAI wire format at <c>base_url</c> (vLLM, LM Studio, llama.cpp, …).</summary>
    public const string OpenAiCompatible = "openai-compatible";

    /// <summary><c>https://api.openai.com/v1</c>.</summary>
    public const string OpenAiBaseUrl = "https://api.openai.com/v1";

    /// <summary><c>https://openrouter.ai/api/v1</c>.</summary>
    public const string OpenRouterBaseUrl = "https://openrouter.ai/api/v1";

    /// <summary><c>http://localhost:11434/v1</c>.</summary>
    public const string OllamaBaseUrl = "http://localhost:11434/v1";

    /// <summary><c>https://api.anthropic.com</c>.</summary>
    public const string AnthropicBaseUrl = "https://api.anthropic.com";

    /// <summary><c>OPENAI_API_KEY</c>.</summary>
    public const string OpenAiKeyVariable = "OPENAI_API_KEY";

    /// <summary><c>OPENROUTER_API_KEY</c>.</summary>
    public const string OpenRouterKeyVariable = "OPENROUTER_API_KEY";

    /// <summary><c>ANTHROPIC_API_KEY</c>.</summary>
    public const string AnthropicKeyVariable = "ANTHROPIC_API_KEY";

    /// <summary>
    /// The base URL a provider is called at when <c>spec.model.base_url</c> is not set, or null when it has none
    /// (<c>openai-compatible</c> needs <c>base_url</c>) or the name is unknown.
    /// </summary>
    public static string? DefaultBaseUrl(string provider) => provider switch
    {
        OpenAi => OpenAiBaseUrl,
        OpenRouter => OpenRouterBaseUrl,
        Anthropic => AnthropicBaseUrl,
        Ollama => OllamaBaseUrl,
        _ => null,
    };

    /// <summary>Every accepted provider name, in the order error messages list them.</summary>
    public static IReadOnlyList<string> Known { get; } = [OpenAi, OpenRouter, Ollama, Anthropic, OpenAiCompatible];
}
