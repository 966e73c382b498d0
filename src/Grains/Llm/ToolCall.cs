namespace Duragent.Llm;

/// <summary>
/// One tool call the model asked for. <paramref name="ArgumentsJson"/> is the JSON object text exactly as the model
/// produced it (it may be invalid JSON; the tool layer reports that back to the model).
/// </summary>
/// <param name="Id">The provider's call id (OpenAI <c>call_…</c>, Anthropic <c>toolu_…</c>).</param>
/// <param name="Name">The tool name.</param>
/// <param name="ArgumentsJson">The arguments as a JSON string, <c>{}</c> when the model sent none.</param>
public sealed record ToolCall(string Id, string Name, string ArgumentsJson);
