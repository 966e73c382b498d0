namespace Duragent.Context;

/// <summary>
/// An agent's context-window settings (<c>spec.session.context</c>). A record so an agent spec can hold one; the
/// defaults are the original runtime's.
/// </summary>
public sealed record ContextWindowOptions
{
    /// <summary>The default of <see cref="MaxHistoryTokens"/>: 40,000.</summary>
    public const int DefaultMaxHistoryTokens = 40_000;

    /// <summary>The default of <see cref="MaxToolResultTokens"/>: 8,000.</summary>
    public const int DefaultMaxToolResultTokens = 8_000;

    /// <summary>The default of <see cref="ToolResultKeepFirst"/>: 2.</summary>
    public const int DefaultToolResultKeepFirst = 2;

    /// <summary>The default of <see cref="ToolResultKeepLast"/>: 5.</summary>
    public const int DefaultToolResultKeepLast = 5;

    /// <summary>The output reserve when the agent sets no <c>max_output_tokens</c>: 4,096.</summary>
    public const int DefaultOutputReserve = 4_096;

    /// <summary>The safety margin kept free of the context window: 10 percent.</summary>
    public const int SafetyMarginPercent = 10;

    /// <summary>The cap on history tokens per call; 40,000 by default; 0 means no cap beyond the window itself.</summary>
    public int MaxHistoryTokens { get; init; } = DefaultMaxHistoryTokens;

    /// <summary>Tool results longer than this are truncated; 8,000 by default; must be above 0.</summary>
    public int MaxToolResultTokens { get; init; } = DefaultMaxToolResultTokens;

    /// <summary>Which part of an over-long tool result is kept; <see cref="ToolResultTruncation.Head"/> by default.</summary>
    public ToolResultTruncation ToolResultTruncation { get; init; } = ToolResultTruncation.Head;

    /// <summary>Within one agent loop, the first tool results kept unmasked; 2 by default.</summary>
    public int ToolResultKeepFirst { get; init; } = DefaultToolResultKeepFirst;

    /// <summary>Within one agent loop, the last tool results kept unmasked; 5 by default.</summary>
    public int ToolResultKeepLast { get; init; } = DefaultToolResultKeepLast;

    /// <summary>Null when the values are usable, otherwise a sentence naming the field at fault.</summary>
    public string? Check() =>
        MaxHistoryTokens < 0 ? $"context.max_history_tokens must not be negative (was {MaxHistoryTokens})"
        : MaxToolResultTokens <= 0 ? $"context.max_tool_result_tokens must be greater than 0 (was {MaxToolResultTokens})"
        : ToolResultKeepFirst < 0 ? $"context.tool_result_keep_first must not be negative (was {ToolResultKeepFirst})"
        : ToolResultKeepLast < 0 ? $"context.tool_result_keep_last must not be negative (was {ToolResultKeepLast})"
        : null;
}
