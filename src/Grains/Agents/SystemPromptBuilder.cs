namespace Duragent.Agents;

/// <summary>
/// A block of the system prompt and where it goes. Lower priorities come first; blocks of equal priority keep
/// the order they were given in.
/// </summary>
/// <param name="Priority">Sort key; see the constants.</param>
/// <param name="Text">The block's text (trimmed when assembled; empty blocks are dropped).</param>
public readonly record struct SystemPromptBlock(int Priority, string Text)
{
    /// <summary>The prime directives: -100.</summary>
    public const int PrimePriority = -100;

    /// <summary>The soul file: 0.</summary>
    public const int SoulPriority = 0;

    /// <summary>The system prompt file: 100.</summary>
    public const int SystemPromptPriority = 100;

    /// <summary>The instructions file: 200.</summary>
    public const int InstructionsPriority = 200;

    /// <summary>Text added by hooks: 300.</summary>
    public const int HookPriority = 300;

    /// <summary>Directives: 400.</summary>
    public const int DirectivesPriority = 400;

    /// <summary>The skills listing: 500.</summary>
    public const int SkillsPriority = 500;

    /// <summary>Per-session context (for example a group's recent messages): 600.</summary>
    public const int SessionPriority = 600;
}

/// <summary>
/// Assembles an agent's system prompt: the prime directives first, then the soul, system prompt and
/// instructions files (templates rendered, see <see cref="PromptTemplate"/>), then any further blocks the caller
/// adds (directives, skills, session context), joined by blank lines.
/// </summary>
public static class SystemPromptBuilder
{
    /// <summary>Builds the system prompt of <paramref name="agent"/> at the current time of <paramref name="timeProvider"/>.</summary>
    public static string Build(AgentDefinition agent, TimeProvider timeProvider, IEnumerable<SystemPromptBlock>? additionalBlocks = null)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        return Build(agent, timeProvider.GetUtcNow(), additionalBlocks);
    }

    /// <summary>Builds the system prompt of <paramref name="agent"/> as of <paramref name="now"/>.</summary>
    public static string Build(AgentDefinition agent, DateTimeOffset now, IEnumerable<SystemPromptBlock>? additionalBlocks = null)
    {
        ArgumentNullException.ThrowIfNull(agent);
        var blocks = new List<SystemPromptBlock> { new(SystemPromptBlock.PrimePriority, PrimeDirectives.Text) };
        AddFile(blocks, SystemPromptBlock.SoulPriority, agent.Prompts.Soul, agent, now);
        AddFile(blocks, SystemPromptBlock.SystemPromptPriority, agent.Prompts.SystemPrompt, agent, now);
        AddFile(blocks, SystemPromptBlock.InstructionsPriority, agent.Prompts.Instructions, agent, now);
        if (additionalBlocks is not null)
        {
            blocks.AddRange(additionalBlocks);
        }

        return string.Join(
            "\n\n",
            blocks.OrderBy(b => b.Priority)
                .Select(b => b.Text?.Trim() ?? string.Empty)
                .Where(text => text.Length > 0));
    }

    private static void AddFile(List<SystemPromptBlock> blocks, int priority, PromptFile? file, AgentDefinition agent, DateTimeOffset now)
    {
        if (file is not null)
        {
            blocks.Add(new SystemPromptBlock(priority, PromptTemplate.Render(file.Text, agent, now)));
        }
    }
}
