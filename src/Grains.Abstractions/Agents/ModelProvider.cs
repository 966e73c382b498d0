namespace Duragent.Agents;

/// <summary>The LLM providers an agent can name in <c>spec.model.provider</c>.</summary>
[GenerateSerializer]
[Alias("duragent.model-provider")]
public enum ModelProvider
{
    /// <summary><c>anthropic</c>: the Anthropic Messages API.</summary>
    Anthropic = 0,

    /// <summary><c>openai</c>: the OpenAI API.</summary>
    OpenAI = 1,

    /// <summary><c>openrouter</c>: OpenRouter (OpenAI-compatible).</summary>
    OpenRouter = 2,

    /// <summary><c>ollama</c>: a local Ollama server (OpenAI-compatible, no key).</summary>
    Ollama = 3,

    /// <summary><c>openai-compatible</c>: any other OpenAI-compatible server; needs <c>base_url</c>.</summary>
    OpenAICompatible = 4,
}
