namespace Duragent.Agents;

// The assembled system prompt of an agent, for `duragent agent show NAME --prompt` (through the node grain; the HTTP
// API does not serve it). Unlike the other agent views it holds prompt texts: it is what an operator asks to see.
// Orleans field ids are the wire schema: never renumber or reuse one.

/// <summary>
/// The system prompt an agent's sessions would send now: its parts in order with their source files, and the whole
/// text. <see cref="Exists"/> is false when there is no such agent; <see cref="Errors"/> are set when it does not load.
/// </summary>
[GenerateSerializer]
[Alias("duragent.agent-prompt-view")]
public sealed record AgentPromptView(
    [Id(0)] string Name,
    [Id(1)] bool Exists,
    [Id(2)] IReadOnlyList<AgentPromptPartView> Parts,
    [Id(3)] string Text,
    [Id(4)] IReadOnlyList<string> Errors,
    [Id(5)] IReadOnlyList<string> Warnings);

/// <summary>One part of the prompt: what it is, its files (relative to the config directory when below it; <c>(built-in)</c> for Duragent's own text), its text.</summary>
[GenerateSerializer]
[Alias("duragent.agent-prompt-part-view")]
public sealed record AgentPromptPartView([Id(0)] string Title, [Id(1)] IReadOnlyList<string> Sources, [Id(2)] string Text);
