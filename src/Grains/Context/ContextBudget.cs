namespace Duragent.Context;

/// <summary>
/// How the context window of one call is shared out:
/// <c>Available = MaxInput − System − Tools − OutputReserve − Margin</c> (margin: 10% of <c>MaxInput</c>; output reserve:
/// <c>max_output_tokens</c>, 4,096 when unset), and <c>History = min(Available, max_history_tokens)</c> (no cap when 0).
/// Negative results are clamped to 0.
/// </summary>
/// <param name="MaxInput">The model's context window.</param>
/// <param name="SystemTokens">The system prompt.</param>
/// <param name="ToolTokens">The tool definitions.</param>
/// <param name="OutputReserve">Room left for the answer.</param>
/// <param name="Margin">The safety margin.</param>
/// <param name="Available">What is left for messages.</param>
/// <param name="History">What the history may use.</param>
public sealed record ContextBudget(int MaxInput, int SystemTokens, int ToolTokens, int OutputReserve, int Margin, int Available, int History)
{
    /// <summary>The output reserve when the agent sets no <c>max_output_tokens</c>: 4,096.</summary>
    public const int DefaultOutputReserve = 4_096;

    /// <summary>The safety margin kept free of the context window: 10 percent.</summary>
    public const int SafetyMarginPercent = 10;

    /// <summary>Computes the budget of one call.</summary>
    public static ContextBudget Compute(int maxInputTokens, int systemTokens, int toolTokens, int? maxOutputTokens, int maxHistoryTokens)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxInputTokens);
        ArgumentOutOfRangeException.ThrowIfNegative(systemTokens);
        ArgumentOutOfRangeException.ThrowIfNegative(toolTokens);
        ArgumentOutOfRangeException.ThrowIfNegative(maxHistoryTokens);
        var output = maxOutputTokens is > 0 and var o ? o : DefaultOutputReserve;
        var margin = (int)((long)maxInputTokens * SafetyMarginPercent / 100);
        var available = (int)Math.Max(0, (long)maxInputTokens - systemTokens - toolTokens - output - margin);
        var history = maxHistoryTokens > 0 ? Math.Min(available, maxHistoryTokens) : available;
        return new ContextBudget(maxInputTokens, systemTokens, toolTokens, output, margin, available, history);
    }
}
