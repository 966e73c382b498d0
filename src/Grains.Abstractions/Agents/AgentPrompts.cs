namespace Duragent.Agents;

/// <summary>A prompt file and its text as read (templates not yet rendered).</summary>
/// <param name="Path">The full path of the file.</param>
/// <param name="Text">The file's contents.</param>
[GenerateSerializer]
[Alias("duragent.prompt-file")]
public sealed record PromptFile([Id(0)] string Path, [Id(1)] string Text);

/// <summary>The prompt files of an agent; each null when not configured or not found.</summary>
[GenerateSerializer]
[Alias("duragent.agent-prompts")]
public sealed record AgentPrompts
{
    /// <summary>No prompt files.</summary>
    public static AgentPrompts None { get; } = new();

    /// <summary><c>spec.soul</c>: who the agent is.</summary>
    [Id(0)]
    public PromptFile? Soul { get; init; }

    /// <summary><c>spec.system_prompt</c>: what it does.</summary>
    [Id(1)]
    public PromptFile? SystemPrompt { get; init; }

    /// <summary><c>spec.instructions</c>: how it works.</summary>
    [Id(2)]
    public PromptFile? Instructions { get; init; }
}
