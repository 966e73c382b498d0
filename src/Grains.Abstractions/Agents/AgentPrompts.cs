namespace Duragent.Agents;

/// <summary>A prompt file and its text as read (templates not yet rendered).</summary>
/// <param name="Path">The full path of the file.</param>
/// <param name="Text">The file's contents.</param>
public sealed record PromptFile(string Path, string Text);

/// <summary>The prompt files of an agent; each null when not configured or not found.</summary>
public sealed record AgentPrompts
{
    /// <summary>No prompt files.</summary>
    public static AgentPrompts None { get; } = new();

    /// <summary><c>spec.soul</c>: who the agent is.</summary>
    public PromptFile? Soul { get; init; }

    /// <summary><c>spec.system_prompt</c>: what it does.</summary>
    public PromptFile? SystemPrompt { get; init; }

    /// <summary><c>spec.instructions</c>: how it works.</summary>
    public PromptFile? Instructions { get; init; }
}
