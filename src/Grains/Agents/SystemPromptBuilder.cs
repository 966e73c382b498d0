using System.Security;
using System.Text;

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

    /// <summary>The <c>AGENTS.md</c> of the agent's working directory: 250.</summary>
    public const int AgentsFilePriority = 250;

    /// <summary>Text added by hooks: 300.</summary>
    public const int HookPriority = 300;

    /// <summary>Directives: 400.</summary>
    public const int DirectivesPriority = 400;

    /// <summary>The skills listing: 500.</summary>
    public const int SkillsPriority = 500;

    /// <summary>Per-session context (for example a group's recent messages): 600.</summary>
    public const int SessionPriority = 600;

    /// <summary>What the block is, for <c>duragent agent show --prompt</c>; <c>session</c> unless set.</summary>
    public string Title { get; init; } = "session";

    /// <summary>The files the block's text comes from; empty for generated text.</summary>
    public IReadOnlyList<string> Sources { get; init; } = [];
}

/// <summary>One part of an assembled system prompt and the files it came from.</summary>
/// <param name="Priority">Its place (see <see cref="SystemPromptBlock"/>).</param>
/// <param name="Title">What it is: <c>prime</c>, <c>soul</c>, <c>system_prompt</c>, <c>instructions</c>, <c>AGENTS.md</c>, <c>directives</c>, <c>skills</c>, <c>session</c>.</param>
/// <param name="Sources">Full paths of its files, <c>(built-in)</c> for text that ships with Duragent.</param>
/// <param name="Text">Its text, as the model sees it.</param>
public sealed record SystemPromptPart(int Priority, string Title, IReadOnlyList<string> Sources, string Text);

/// <summary>An assembled system prompt: its parts in order, and <see cref="Text"/>, the parts joined by blank lines.</summary>
public sealed record AssembledPrompt(IReadOnlyList<SystemPromptPart> Parts)
{
    /// <summary>The system message sent to the model.</summary>
    public string Text { get; } = string.Join("\n\n", Parts.Select(p => p.Text));
}

/// <summary>What the system prompt is built from besides the agent definition: read at call time (see <see cref="AgentPromptSources"/>).</summary>
/// <param name="Directives">The agent's directives, in order (<see cref="Agents.Directives"/>).</param>
/// <param name="AgentsFile">The <c>AGENTS.md</c> of the agent's working directory; null when there is none.</param>
public sealed record SystemPromptInputs(IReadOnlyList<Directive> Directives, PromptFile? AgentsFile)
{
    /// <summary>No directives, no <c>AGENTS.md</c>.</summary>
    public static SystemPromptInputs None { get; } = new([], null);
}

/// <summary>
/// Assembles an agent's system prompt, in this order: the prime directives; the soul, system prompt and instructions
/// files (templates rendered, see <see cref="PromptTemplate"/>); the <c>AGENTS.md</c> of the agent's working directory
/// (as written); the directives (templates rendered); the skills listing; then any blocks the caller adds (session
/// context), joined by blank lines. Empty parts are dropped.
/// </summary>
public static class SystemPromptBuilder
{
    /// <summary>Builds the system prompt of <paramref name="agent"/> at the current time of <paramref name="timeProvider"/>.</summary>
    public static string Build(AgentDefinition agent, TimeProvider timeProvider, IEnumerable<SystemPromptBlock>? additionalBlocks = null)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        return Build(agent, timeProvider.GetUtcNow(), additionalBlocks);
    }

    /// <summary>Builds the system prompt of <paramref name="agent"/> as of <paramref name="now"/>, without directives or <c>AGENTS.md</c>.</summary>
    public static string Build(AgentDefinition agent, DateTimeOffset now, IEnumerable<SystemPromptBlock>? additionalBlocks = null) =>
        Assemble(agent, now, SystemPromptInputs.None, additionalBlocks).Text;

    /// <summary>Assembles the system prompt of <paramref name="agent"/> as of <paramref name="now"/>, part by part.</summary>
    public static AssembledPrompt Assemble(AgentDefinition agent, DateTimeOffset now, SystemPromptInputs inputs, IEnumerable<SystemPromptBlock>? additionalBlocks = null)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(inputs);
        var blocks = new List<SystemPromptBlock>
        {
            new(SystemPromptBlock.PrimePriority, PrimeDirectives.Text) { Title = "prime", Sources = [Directives.BuiltIn] },
        };
        AddFile(blocks, SystemPromptBlock.SoulPriority, "soul", agent.Prompts.Soul, agent, now);
        AddFile(blocks, SystemPromptBlock.SystemPromptPriority, "system_prompt", agent.Prompts.SystemPrompt, agent, now);
        AddFile(blocks, SystemPromptBlock.InstructionsPriority, "instructions", agent.Prompts.Instructions, agent, now);
        if (inputs.AgentsFile is { } agentsFile)
        {
            blocks.Add(new SystemPromptBlock(SystemPromptBlock.AgentsFilePriority, agentsFile.Text) { Title = AgentPromptSources.AgentsFileName, Sources = [agentsFile.Path] });
        }

        if (inputs.Directives.Count > 0)
        {
            blocks.Add(new SystemPromptBlock(SystemPromptBlock.DirectivesPriority, DirectivesBlock(inputs.Directives, agent, now))
            {
                Title = "directives",
                Sources = inputs.Directives.Select(d => d.Source).ToList(),
            });
        }

        if (agent.Skills.Count > 0)
        {
            blocks.Add(new SystemPromptBlock(SystemPromptBlock.SkillsPriority, SkillsBlock(agent.Skills))
            {
                Title = "skills",
                Sources = agent.Skills.Select(s => s.Path).ToList(),
            });
        }

        if (additionalBlocks is not null)
        {
            blocks.AddRange(additionalBlocks);
        }

        var parts = blocks
            .OrderBy(b => b.Priority)
            .Select(b => new SystemPromptPart(b.Priority, b.Title, b.Sources, b.Text?.Trim() ?? string.Empty))
            .Where(p => p.Text.Length > 0)
            .ToList();
        return new AssembledPrompt(parts);
    }

    /// <summary>
    /// The directives block: <c>## Directives</c>, then each directive as a list item (its further lines indented so
    /// that they stay inside the item).
    /// </summary>
    public static string DirectivesBlock(IReadOnlyList<Directive> directives, AgentDefinition agent, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(directives);
        var text = new StringBuilder("## Directives\n");
        foreach (var directive in directives)
        {
            var rendered = PromptTemplate.Render(directive.Text, agent, now).Replace("\r\n", "\n", StringComparison.Ordinal);
            text.Append("- ").Append(rendered.Replace("\n", "\n  ", StringComparison.Ordinal)).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>The skills listing: how to use skills, then an <c>&lt;available_skills&gt;</c> element per skill.</summary>
    public static string SkillsBlock(IReadOnlyList<SkillSpec> skills)
    {
        ArgumentNullException.ThrowIfNull(skills);
        var text = new StringBuilder("## Skills\n")
            .Append("Skills are instructions for particular tasks. When a task matches a skill's description, call the `skill` tool ")
            .Append("with action \"load\" and the skill's name before you start, and follow what it says. While a skill is loaded, ")
            .Append("only the tools it allows can be called; action \"unload\" ends it.\n<available_skills>\n");
        foreach (var skill in skills)
        {
            text.Append("<skill>\n")
                .Append("<name>").Append(SecurityElement.Escape(skill.Name)).Append("</name>\n")
                .Append("<description>").Append(SecurityElement.Escape(skill.Description)).Append("</description>\n")
                .Append("<location>").Append(SecurityElement.Escape(skill.Path)).Append("</location>\n");
            if (skill.AllowedTools is { } allowed)
            {
                text.Append("<allowed_tools>").Append(SecurityElement.Escape(string.Join(' ', allowed))).Append("</allowed_tools>\n");
            }

            text.Append("</skill>\n");
        }

        return text.Append("</available_skills>").ToString();
    }

    private static void AddFile(List<SystemPromptBlock> blocks, int priority, string title, PromptFile? file, AgentDefinition agent, DateTimeOffset now)
    {
        if (file is not null)
        {
            blocks.Add(new SystemPromptBlock(priority, PromptTemplate.Render(file.Text, agent, now)) { Title = title, Sources = [file.Path] });
        }
    }
}
