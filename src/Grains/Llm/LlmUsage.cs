namespace Duragent.Llm;

/// <summary>Token counts the provider reported for one call.</summary>
/// <param name="InputTokens">Prompt tokens, cache reads and writes included.</param>
/// <param name="OutputTokens">Generated tokens.</param>
/// <param name="TotalTokens">The provider's total, or input + output when it sends none.</param>
public sealed record LlmUsage(int InputTokens, int OutputTokens, int TotalTokens);
