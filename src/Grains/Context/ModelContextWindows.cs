namespace Duragent.Context;

/// <summary>
/// Default context-window sizes by model name, for agents that set no <c>max_input_tokens</c>. The first entry whose
/// key occurs in the model name (case-insensitive) wins, so more specific keys come first; an OpenRouter name such as
/// <c>anthropic/claude-sonnet-4</c> matches <c>claude</c>.
/// </summary>
public static class ModelContextWindows
{
    /// <summary>The window assumed for a model the table does not know: 128,000 tokens.</summary>
    public const int Fallback = 128_000;

    private static readonly (string Key, int Tokens)[] Table =
    [
        ("claude", 200_000),
        ("gpt-5", 400_000),
        ("gpt-4.1", 1_000_000),
        ("gpt-4o", 128_000),
        ("gpt-4-turbo", 128_000),
        ("gpt-4", 128_000),
        ("gemini", 1_000_000),
        ("grok-4", 2_000_000),
        ("grok", 131_072),
        ("deepseek-v3", 163_840),
        ("deepseek", 128_000),
        ("qwen3", 131_072),
        ("qwen", 128_000),
        ("llama-4", 327_680),
        ("llama", 128_000),
        ("mistral-large", 262_144),
        ("mistral", 128_000),
        ("mixtral", 128_000),
    ];

    /// <summary>The default window for <paramref name="model"/>.</summary>
    public static int For(string? model)
    {
        if (string.IsNullOrEmpty(model))
        {
            return Fallback;
        }

        foreach (var (key, tokens) in Table)
        {
            if (model.Contains(key, StringComparison.OrdinalIgnoreCase))
            {
                return tokens;
            }
        }

        return Fallback;
    }

    /// <summary>The agent's own <paramref name="maxInputTokens"/> when set (above 0), else the default for the model.</summary>
    public static int Resolve(int? maxInputTokens, string? model) =>
        maxInputTokens is > 0 and var configured ? configured : For(model);
}
